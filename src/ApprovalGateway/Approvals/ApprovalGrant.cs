namespace ApprovalGateway.Approvals;

/// <summary>
/// A time-boxed grant: calls by <see cref="Agent"/> to <see cref="Tool"/> on <see cref="Upstream"/> are approved
/// without a prompt until <see cref="Until"/>, on the strength of approval <see cref="ApprovalId"/>.
/// </summary>
/// <param name="Rule">The rule that held the call it was given on; it covers calls that rule holds, no others.</param>
/// <param name="GrantedAt">When it was given, so that a rule whose <c>grant_minutes</c> shrinks shortens it.</param>
internal sealed record ApprovalGrant(
    string Agent,
    string Upstream,
    string Tool,
    DateTimeOffset Until,
    string ApprovalId,
    IReadOnlyList<string> GrantedBy,
    string? Rule = null,
    DateTimeOffset? GrantedAt = null)
{
    /// <summary>
    /// The minutes of the grant <paramref name="approval"/> gives, or null when it gives none. Every approver must have
    /// asked for a grant (one person cannot waive a two-person rule for later calls), and the shortest asked for, within
    /// the rule's <c>grant_minutes</c>, is given. The store records this grant and every channel names it. A call a grant
    /// released gives none of its own: the votes it had gathered were not enough to approve it, so neither a grant.
    /// </summary>
    public static int? MinutesGiven(ApprovalSnapshot approval)
    {
        var approvals = approval.Votes.Where(v => v.Approve).ToList();
        var allowed = approval.Request.Settings.GrantMinutes;
        return approval.Status != ApprovalStatus.Approved || approval.ReleasedByGrant is not null || allowed <= 0 || approvals.Count == 0
            || approvals.Any(v => v.GrantMinutes is not > 0)
            ? null
            : Math.Min(allowed, approvals.Min(v => v.GrantMinutes!.Value));
    }

    /// <summary>When the grant <paramref name="approval"/> gave ends, as the store records it; null when it gave none.</summary>
    public static DateTimeOffset? GivenUntil(ApprovalSnapshot approval) =>
        MinutesGiven(approval) is { } minutes && approval.ResolvedAt is { } at ? at.AddMinutes(minutes) : null;

    /// <summary>
    /// Why this grant does not answer <paramref name="request"/> under the policy in force, or null when it does. A
    /// grant stands for what its approvers agreed to under the rule of its day: a call another rule holds (a `when`
    /// condition for larger orders, say), a rule that no longer offers grants, offers shorter ones, or asks for more
    /// approvers than gave it, asks again. A grant stored before these fields existed names no rule and asks again.
    /// </summary>
    public string? Refusal(ApprovalRequest request, DateTimeOffset now)
    {
        var settings = request.Settings;
        if (!string.Equals(Rule, request.Rule, StringComparison.Ordinal))
        {
            return $"it was given under rule {Rule ?? "(unknown)"} and this call is held by {request.Rule}";
        }

        if (settings.GrantMinutes <= 0)
        {
            return $"rule {request.Rule} no longer offers time-boxed grants";
        }

        if (GrantedAt is not { } at || now >= at.AddMinutes(settings.GrantMinutes))
        {
            return $"rule {request.Rule} now allows grants of at most {settings.GrantMinutes} minutes";
        }

        return GrantedBy.Count < Math.Max(1, settings.Approvals)
            ? $"rule {request.Rule} now asks for {settings.Approvals} approvers and the grant had {GrantedBy.Count}"
            : null;
    }
}
