using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Audit;

/// <summary>
/// Filters over audit records; null means "any". <see cref="Since"/> is inclusive and <see cref="Until"/> exclusive,
/// so consecutive windows never count a record twice.
/// </summary>
internal sealed record AuditQuery(
    string? Agent = null,
    string? Tool = null,
    string? Decision = null,
    string? Outcome = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    int Limit = AuditQuery.DefaultLimit)
{
    public const int DefaultLimit = 100;

    /// <summary>As many as match.</summary>
    public const int NoLimit = int.MaxValue;

    /// <summary>
    /// No record has the outcome <c>approved</c>: an approved call's records are those of a held call that went on to
    /// the upstream. An approver who filters for approved calls means those.
    /// </summary>
    public static readonly string ApprovedOutcome = DecisionKind.Approved.ToWireName();

    public static readonly string HeldDecision = DecisionKind.ApprovalRequired.ToWireName();

    public static readonly string[] SentOutcomes =
        [DecisionKind.Forwarding.ToWireName(), DecisionKind.Forwarded.ToWireName(), DecisionKind.UpstreamFailed.ToWireName()];

    /// <summary>
    /// <see cref="Agent"/> and <see cref="Tool"/> match any part of the name, in any case: an approver types "order" or
    /// "trader" and means every tool or agent so named. The PostgreSQL sink asks the same of its table.
    /// </summary>
    public bool Matches(AuditRecord record) =>
        Contains(record.Agent, Agent)
        && Contains(record.Tool, Tool)
        && (Decision is null || string.Equals(record.Decision, Decision, StringComparison.Ordinal))
        && OutcomeMatches(record)
        && (Since is null || record.Time >= Since)
        && (Until is null || record.Time < Until);

    private static bool Contains(string? value, string? part) =>
        part is null || (value is not null && value.Contains(part, StringComparison.OrdinalIgnoreCase));

    private bool OutcomeMatches(AuditRecord record) =>
        Outcome is null
        || (Outcome == ApprovedOutcome
            ? record.Decision == HeldDecision && SentOutcomes.Contains(record.Outcome)
            : string.Equals(record.Outcome, Outcome, StringComparison.Ordinal));
}
