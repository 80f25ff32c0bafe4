namespace ApprovalGateway.Audit;

/// <summary>The query string of <c>GET /api/audit</c> and <c>GET /api/audit.csv</c>.</summary>
internal sealed record AuditQueryParameters(
    string? Agent,
    string? Tool,
    string? Decision,
    string? Outcome,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    int? Limit)
{
    public AuditQuery? ToQuery(int defaultLimit, int maxLimit, out string? error)
    {
        var limit = Limit ?? defaultLimit;
        error = limit < 1 || limit > maxLimit ? $"limit must be between 1 and {maxLimit}." : null;
        if (error is null && Since > Until)
        {
            error = "since must not be after until.";
        }

        return error is null
            ? new AuditQuery(Empty(Agent), Empty(Tool), Empty(Decision), Empty(Outcome), Since, Until, limit)
            : null;
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
