namespace ApprovalGateway.Approvals;

/// <summary>One approver's answer, from whichever channel it came ("slack", "web", "api", "elicitation").</summary>
internal sealed record ApproverVote(
    string Approver,
    string? SlackUserId,
    bool Approve,
    string? Reason,
    DateTimeOffset At,
    string Channel,
    int? GrantMinutes)
{
    /// <summary>
    /// The longest reason a decision or a grant's revocation keeps, as many characters as the page's reason field
    /// takes. Beyond it, a reason from the API is refused and one from an MCP client's elicitation answer cut: it
    /// goes into the Slack prompt, whose sections take 3000 characters, and to the agent with a rejection.
    /// </summary>
    public const int MaxReasonLength = 500;
}
