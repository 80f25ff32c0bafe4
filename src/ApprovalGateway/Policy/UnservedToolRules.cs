using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy;

/// <summary>
/// Finds tool rules and hide entries that match no tool the upstreams serve: a misspelt name fails silently, and under
/// <c>"default": "allow"</c> a deny or hold that never applies lets the call through. <c>validate</c> cannot know the
/// tools, and the running gateway knows them only once its upstreams have listed them, so this is asked when an admin
/// looks (<c>GET /api/policy</c>), against the tools known then.
/// </summary>
internal static class UnservedToolRules
{
    private const int MaxTypoDistance = 3;

    /// <summary>One sentence per pattern that matches no tool in <paramref name="served"/>; empty when none is known yet.</summary>
    public static IReadOnlyList<string> Find(PolicyDocument document, IReadOnlyCollection<string> served)
    {
        if (served.Count == 0)
        {
            return [];
        }

        var patterns = document.Tools.Keys.Select(k => ($"tools[\"{k}\"]", k))
            .Concat(document.Hide.Select(h => ($"hide[\"{h}\"]", h)))
            .Concat(document.Agents.SelectMany(a => a.Value.Tools.Keys.Select(k => ($"agents.{a.Key}.tools[\"{k}\"]", k))
                .Concat(a.Value.Hide.Select(h => ($"agents.{a.Key}.hide[\"{h}\"]", h)))));
        var warnings = new List<string>();
        foreach (var (where, pattern) in patterns)
        {
            if (!Glob.TryCreate(pattern, out var glob, out _) || glob is null || served.Any(tool => glob.IsMatch(tool)))
            {
                continue;
            }

            var hint = glob.IsExact && Closest(pattern, served) is { } near ? $" (did you mean {near}?)" : "";
            warnings.Add($"{where} matches no tool the upstreams serve now{hint}, so it applies to no call");
        }

        return warnings;
    }

    private static string? Closest(string name, IEnumerable<string> served) =>
        served.Select(tool => (tool, distance: Distance(name.ToLowerInvariant(), tool.ToLowerInvariant())))
            .Where(t => t.distance <= MaxTypoDistance)
            .OrderBy(t => t.distance)
            .ThenBy(t => t.tool, StringComparer.Ordinal)
            .Select(t => t.tool)
            .FirstOrDefault();

    /// <summary>Levenshtein distance: a typo is a few letters added, dropped or changed.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
