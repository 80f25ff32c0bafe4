namespace ApprovalGateway.Approvals;

/// <summary>
/// Who ended the time-boxed grant an approval gave, when and why: kept on the approval so its Slack prompt, the page
/// and the API stop saying the grant is in force.
/// </summary>
internal sealed record GrantRevocationNote(string By, DateTimeOffset At, string? Reason);
