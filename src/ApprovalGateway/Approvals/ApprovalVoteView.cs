namespace ApprovalGateway.Approvals;

internal sealed record ApprovalVoteView(string Approver, string Decision, string? Reason, DateTimeOffset At, string Channel, int? GrantMinutes);
