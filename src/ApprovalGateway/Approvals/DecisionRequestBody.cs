namespace ApprovalGateway.Approvals;

/// <summary><c>{"decision":"approve"|"reject","reason":"...","grant_minutes":15}</c></summary>
internal sealed record DecisionRequestBody(string? Decision, string? Reason, int? GrantMinutes);
