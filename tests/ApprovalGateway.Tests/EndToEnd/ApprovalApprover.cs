using ApprovalGateway.Tests.Slack;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>A configured approver (<c>Approvers:{Name}</c>): a script token for the API and a Slack account to click with.</summary>
internal sealed record ApprovalApprover(string Name, string Token, SlackUser Slack);
