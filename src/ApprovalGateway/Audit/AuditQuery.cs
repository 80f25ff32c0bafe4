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

    public bool Matches(AuditRecord record) =>
        (Agent is null || string.Equals(record.Agent, Agent, StringComparison.Ordinal))
        && (Tool is null || string.Equals(record.Tool, Tool, StringComparison.Ordinal))
        && (Decision is null || string.Equals(record.Decision, Decision, StringComparison.Ordinal))
        && (Outcome is null || string.Equals(record.Outcome, Outcome, StringComparison.Ordinal))
        && (Since is null || record.Time >= Since)
        && (Until is null || record.Time < Until);
}
