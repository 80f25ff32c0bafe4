using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy;

/// <summary>
/// Finds tool rules, hide entries and risk overrides (<c>classify</c>) that match no tool the upstreams serve: a misspelt name fails silently, and under
/// <c>"default": "allow"</c> a deny or hold that never applies lets the call through. <c>validate</c> cannot know the
/// tools, and the running gateway knows them only once its upstreams have listed them, so this is asked when an admin
/// looks (<c>GET /api/policy</c>), against the tools known then.
/// </summary>
internal static class UnservedToolRules
{
    /// <summary>One sentence per pattern that matches no tool in <paramref name="served"/>; empty when none is known yet.</summary>
    public static IReadOnlyList<string> Find(PolicyDocument document, IReadOnlyCollection<string> served)
    {
        if (served.Count == 0)
        {
            return [];
        }

        var patterns = document.Tools.Keys.Select(k => ($"tools[\"{k}\"]", k))
            .Concat(document.Hide.Select(h => ($"hide[\"{h}\"]", h)))
            // A misspelt override leaves the tool at its automatic class: a tool meant to be critical goes unheld.
            .Concat(document.Classify.Keys.Select(k => ($"classify[\"{k}\"]", k)))
            .Concat(document.Agents.SelectMany(a => a.Value.Tools.Keys.Select(k => ($"agents.{a.Key}.tools[\"{k}\"]", k))
                .Concat(a.Value.Hide.Select(h => ($"agents.{a.Key}.hide[\"{h}\"]", h)))));
        var warnings = new List<string>();
        foreach (var (where, pattern) in patterns)
        {
            if (!Glob.TryCreate(pattern, out var glob, out _) || glob is null || served.Any(tool => glob.IsMatch(tool)))
            {
                continue;
            }

            var hint = glob.IsExact && ClosestName.Find(pattern, served) is { } near ? $" (did you mean {near}?)" : "";
            warnings.Add($"{where} matches no tool the upstreams serve now{hint}, so it applies to no call");
        }

        return warnings;
    }
}
