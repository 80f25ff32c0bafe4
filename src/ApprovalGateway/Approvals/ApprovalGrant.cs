using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

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
    /// the rule's <c>grant_minutes</c>, is given: the rule's as the policy in force had it when the approval resolved, where
    /// that was less (<see cref="ApprovalSnapshot.GrantLimit"/>). The store records this grant and every channel names it. A
    /// call a grant released gives none of its own: the votes it had gathered were not enough to approve it, so neither a grant.
    /// </summary>
    public static int? MinutesGiven(ApprovalSnapshot approval)
    {
        var approvals = approval.Votes.Where(v => v.Approve).ToList();
        var allowed = approval.GrantLimit?.Minutes ?? approval.Request.Settings.GrantMinutes;
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
            return NoGrants(request.Rule);
        }

        if (GrantedAt is not { } at || now >= at.AddMinutes(settings.GrantMinutes))
        {
            return Shorter(request.Rule, settings);
        }

        return TooFewApprovers(request.Rule, settings);
    }

    /// <summary>
    /// The limit <paramref name="ruleNow"/> (the rule <paramref name="approved"/> was held under, as the policy in force
    /// has it; null when it no longer has that rule) sets on the grant the approval gives, or null when it gives what was
    /// asked for. The same terms as <see cref="RefusalUnder"/>, so that a grant given after an edit is one the edit's
    /// review would have let stand: none when the rule is gone, no longer holds calls, offers no grants or asks for more
    /// approvers than approved; at most the rule's <c>grant_minutes</c> when they are fewer than asked for.
    /// </summary>
    public static GrantLimit? LimitUnder(ApprovalSnapshot approved, PolicyDecision? ruleNow)
    {
        if (MinutesGiven(approved) is not { } minutes)
        {
            return null;
        }

        var rule = approved.Request.Rule;
        if (NotOffered(rule, ruleNow) is { } none)
        {
            return new GrantLimit(0, none);
        }

        var settings = ruleNow!.Approval!;
        if (TooFew(rule, settings, approved.Votes.Count(v => v.Approve), "the approval") is { } fewer)
        {
            return new GrantLimit(0, fewer);
        }

        return minutes > settings.GrantMinutes ? new GrantLimit(settings.GrantMinutes, Shorter(rule, settings)) : null;
    }

    /// <summary>
    /// Why the rule this grant was given under, as an edited policy now has it (<paramref name="ruleNow"/>, null when
    /// the policy no longer has that rule), no longer honours the grant at all, or null when it does. Stricter than
    /// <see cref="Refusal"/> on time: a grant longer than the rule now allows is not honoured, not cut short, so that
    /// the list of grants never shows an end the policy would not keep.
    /// </summary>
    public string? RefusalUnder(PolicyDecision? ruleNow)
    {
        if (Rule is not { } rule)
        {
            return "the grant does not name the rule it was given under";
        }

        if (NotOffered(rule, ruleNow) is { } none)
        {
            return none;
        }

        var settings = ruleNow!.Approval!;
        return GrantedAt is not { } at || Until > at.AddMinutes(settings.GrantMinutes)
            ? Shorter(rule, settings)
            : TooFewApprovers(rule, settings);
    }

    /// <summary>Why <paramref name="ruleNow"/> gives no grants at all, or null when it offers some.</summary>
    private static string? NotOffered(string rule, PolicyDecision? ruleNow) => ruleNow switch
    {
        null => $"rule {rule} is no longer in the policy",
        { Kind: not DecisionKind.ApprovalRequired } or { Approval: null } => $"rule {rule} no longer holds calls for approval",
        { Approval.GrantMinutes: <= 0 } => NoGrants(rule),
        _ => null,
    };

    private static string NoGrants(string rule) => $"rule {rule} no longer offers time-boxed grants";

    private static string Shorter(string rule, ApprovalSettings settings) =>
        $"rule {rule} now allows grants of at most {settings.GrantMinutes} minutes";

    private string? TooFewApprovers(string rule, ApprovalSettings settings) => TooFew(rule, settings, GrantedBy.Count, "the grant");

    private static string? TooFew(string rule, ApprovalSettings settings, int approvers, string had) =>
        approvers < Math.Max(1, settings.Approvals)
            ? $"rule {rule} now asks for {settings.Approvals} approvers and {had} had {approvers}"
            : null;
}
