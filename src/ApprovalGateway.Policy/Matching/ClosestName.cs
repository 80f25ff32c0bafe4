namespace ApprovalGateway.Policy.Matching;

/// <summary>The "did you mean" of a name that names nothing: the closest candidate within a typo's distance.</summary>
public static class ClosestName
{
    private const int MaxTypoDistance = 3;

    /// <summary>The candidate a few letters away from <paramref name="name"/> (case ignored), or null when none is.</summary>
    /// <param name="maxDistance">How many letters may differ; fewer where names not meant as candidates abound.</param>
    public static string? Find(string name, IEnumerable<string> candidates, int maxDistance = MaxTypoDistance) =>
        candidates.Select(candidate => (candidate, distance: Distance(name.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .Where(c => c.distance <= maxDistance)
            .OrderBy(c => c.distance)
            .ThenBy(c => c.candidate, StringComparer.Ordinal)
            .Select(c => c.candidate)
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
