namespace ApprovalGateway.Web;

/// <summary>
/// The query parameters an API's search takes. One it does not take is refused rather than ignored: ignored, a
/// mistyped filter (<c>state=pending</c> for <c>status=pending</c>) answers everything as if it were what was asked for.
/// </summary>
internal static class QueryParameters
{
    /// <param name="given">The query string's parameter names.</param>
    /// <param name="search">What takes them, as the refusal starts: "The audit search".</param>
    /// <param name="taken">The names taken, lower case; a query string may give them in any case, as they are bound.</param>
    /// <returns>Why the query is refused, or null when it gives only parameters in <paramref name="taken"/>.</returns>
    public static string? Refusal(IEnumerable<string> given, string search, params string[] taken) =>
        given.FirstOrDefault(name => !taken.Contains(name, StringComparer.OrdinalIgnoreCase)) is { } unknown
            ? $"{search} takes no '{unknown}'; {Takes(taken)}."
            : null;

    private static string Takes(string[] taken) => taken switch
    {
        [] => "it takes no parameters",
        [var one] => $"it takes only {one}",
        _ => $"it takes {string.Join(", ", taken[..^1])} and {taken[^1]}",
    };
}
