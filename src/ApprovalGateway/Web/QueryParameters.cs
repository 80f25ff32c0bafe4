using Microsoft.AspNetCore.Http;

namespace ApprovalGateway.Web;

/// <summary>
/// The query parameters an API's search takes, each once. One it does not take is refused rather than ignored:
/// ignored, a mistyped filter (<c>state=pending</c> for <c>status=pending</c>) answers everything as if it were what
/// was asked for. One given twice is refused too: bound, its values become one (<c>agent=a&amp;agent=b</c> searches
/// for the agent "a,b").
/// </summary>
internal static class QueryParameters
{
    /// <param name="query">The request's query string.</param>
    /// <param name="search">What takes it, as the refusal starts: "The audit search".</param>
    /// <param name="taken">The names taken, lower case; a query string may give them in any case, as they are bound.</param>
    /// <returns>Why the query is refused, or null when it gives only parameters in <paramref name="taken"/>, each once.</returns>
    public static string? Refusal(IQueryCollection query, string search, params string[] taken)
    {
        foreach (var (name, values) in query)
        {
            if (!taken.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return $"{search} takes no '{name}'; {Takes(taken)}.";
            }

            if (values.Count > 1)
            {
                return $"{search} takes {name} once, not {values.Count} times.";
            }
        }

        return null;
    }

    private static string Takes(string[] taken) => taken switch
    {
        [] => "it takes no parameters",
        [var one] => $"it takes only {one}",
        _ => $"it takes {string.Join(", ", taken[..^1])} and {taken[^1]}",
    };
}
