using System.Globalization;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Http;

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
    /// <summary>
    /// The words records use, in any case, and the policy's words for the same decisions: an admin who asks for
    /// <c>decision=require_approval</c> means the calls a rule held, not "none".
    /// </summary>
    private static readonly Dictionary<string, string> Kinds = Enum.GetValues<DecisionKind>()
        .Select(k => k.ToWireName())
        .Select(name => KeyValuePair.Create(name, name))
        .Concat([
            KeyValuePair.Create("allow", "allowed"),
            KeyValuePair.Create("deny", "denied"),
            KeyValuePair.Create("hide", "hidden"),
            KeyValuePair.Create("require_approval", "approval_required"),
        ])
        .ToDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The parameters above, as a query string names them (in any case, as they are bound).</summary>
    private static readonly string[] Names =
        [.. new[] { nameof(Agent), nameof(Tool), nameof(Decision), nameof(Outcome), nameof(Since), nameof(Until), nameof(Limit) }
            .Select(name => name.ToLowerInvariant())];

    /// <param name="query">The query string whose values bound this; one the search does not take, or one given
    /// twice, is refused (<see cref="QueryParameters"/>).</param>
    public AuditQuery? ToQuery(IQueryCollection query, int defaultLimit, int maxLimit, out string? error)
    {
        error = QueryParameters.Refusal(query, "The audit search", Names);
        if (error is not null)
        {
            return null;
        }

        if (!TryParseKind(Decision, out var decision))
        {
            error = UnknownKind("decision", Decision);
        }
        else if (!TryParseKind(Outcome, out var outcome))
        {
            error = UnknownKind("outcome", Outcome);
        }
        else if (!TryParseTime(Since, out var since))
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
            return new AuditQuery(Empty(Agent), Empty(Tool), decision, outcome, since, until, limit);
        }

        return null;
    }

    private static bool TryParseKind(string? text, out string? kind)
    {
        kind = null;
        return string.IsNullOrEmpty(text) || Kinds.TryGetValue(text, out kind);
    }

    private static string UnknownKind(string name, string? value) =>
        $"{name} must be one of {string.Join(", ", Enum.GetValues<DecisionKind>().Select(k => k.ToWireName()))} " +
        $"(or the policy's allow, deny, hide, require_approval), not '{value}'.";

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
