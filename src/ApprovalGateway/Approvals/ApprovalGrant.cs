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
            return NoGrants(request.Rule);
        }

        if (GrantedAt is not { } at || now >= at.AddMinutes(settings.GrantMinutes))
        {
            return Shorter(request.Rule, settings);
        }

        return TooFewApprovers(request.Rule, settings);
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

        if (ruleNow is null)
        {
            return $"rule {rule} is no longer in the policy";
        }

        if (ruleNow.Kind != DecisionKind.ApprovalRequired || ruleNow.Approval is not { } settings)
        {
            return $"rule {rule} no longer holds calls for approval";
        }

        if (settings.GrantMinutes <= 0)
        {
            return NoGrants(rule);
        }

        return GrantedAt is not { } at || Until > at.AddMinutes(settings.GrantMinutes)
            ? Shorter(rule, settings)
            : TooFewApprovers(rule, settings);
    }

    private static string NoGrants(string rule) => $"rule {rule} no longer offers time-boxed grants";

    private static string Shorter(string rule, ApprovalSettings settings) =>
        $"rule {rule} now allows grants of at most {settings.GrantMinutes} minutes";

    private string? TooFewApprovers(string rule, ApprovalSettings settings) =>
        GrantedBy.Count < Math.Max(1, settings.Approvals)
            ? $"rule {rule} now asks for {settings.Approvals} approvers and the grant had {GrantedBy.Count}"
            : null;
}
