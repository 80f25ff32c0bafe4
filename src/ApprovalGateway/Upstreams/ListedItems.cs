using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Every item of one of an upstream's lists (resources, resource templates, prompts), all pages read; and the upstream's
/// answer itself when it came in one page, so that an agent whose only upstream it is gets exactly that answer. Or the
/// error the upstream answered the list with when it does not serve it at all (<see cref="NotServed"/>).
/// </summary>
internal sealed record ListedItems(IReadOnlyList<JsonObject> Listed, JsonObject? OnlyPage, JsonRpcErrorDetail? Error = null)
{
    /// <summary>What an upstream that offers no such list lists.</summary>
    public static ListedItems None { get; } = new([], null);

    /// <summary>
    /// An upstream that offers resources but answers <c>resources/templates/list</c> (say) with method-not-found: any
    /// session of it would be told <paramref name="error"/>, so an agent's is told it too without opening one.
    /// </summary>
    public static ListedItems NotServed(JsonRpcErrorDetail error) => new([], null, error);

    /// <summary>
    /// The items; or, for a list the upstream does not serve, its error thrown as its own session would have answered
    /// it (a copy per answer), so callers treat both alike.
    /// </summary>
    public IReadOnlyList<JsonObject> Items() => Error is { } error
        ? throw new UpstreamProtocolException(new JsonRpcErrorDetail { Code = error.Code, Message = error.Message, Data = error.Data })
        : Listed;
}
