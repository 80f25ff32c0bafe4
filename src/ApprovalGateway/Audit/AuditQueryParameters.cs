using System.Globalization;

namespace ApprovalGateway.Audit;

/// <summary>
/// The query string of <c>GET /api/audit</c> and <c>GET /api/audit.csv</c>, read as text so that a value that does
/// not parse is refused with a message naming it (framework binding would answer a bare 400).
/// </summary>
internal sealed record AuditQueryParameters(
    string? Agent,
    string? Tool,
    string? Decision,
    string? Outcome,
    string? Since,
    string? Until,
    string? Limit)
{
    public AuditQuery? ToQuery(int defaultLimit, int maxLimit, out string? error)
    {
        error = null;
        if (!TryParseTime(Since, out var since))
        {
            error = $"since must be a time such as 2026-11-26T09:00:00Z, not '{Since}'.";
        }
        else if (!TryParseTime(Until, out var until))
        {
            error = $"until must be a time such as 2026-11-26T18:00:00Z, not '{Until}'.";
        }
        else if (!TryParseLimit(Limit, defaultLimit, maxLimit, out var limit))
        {
            error = $"limit must be a whole number from 1 to {maxLimit}, not '{Limit}'.";
        }
        else if (since > until)
        {
            error = "since must not be after until.";
        }
        else
        {
            return new AuditQuery(Empty(Agent), Empty(Tool), Empty(Decision), Empty(Outcome), since, until, limit);
        }

        return null;
    }

    /// <summary>Empty is no bound; a time without an offset is UTC, as the records are.</summary>
    private static bool TryParseTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }

    private static bool TryParseLimit(string? text, int defaultLimit, int maxLimit, out int limit)
    {
        limit = defaultLimit;
        return string.IsNullOrEmpty(text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit >= 1 && limit <= maxLimit);
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
