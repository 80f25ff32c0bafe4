namespace ApprovalGateway.Approvals;

/// <summary>
/// One person across channels: the configured approver name and their Slack user ID, so a click in Slack
/// and a click on the page by the same person count once.
/// </summary>
internal sealed record ApproverIdentity(string Name, string? SlackUserId);
