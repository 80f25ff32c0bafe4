using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The cursors one listing of an upstream's list was given. An upstream that hands back one it gave before (the same on
/// every page, or a cycle) would be paged until its <see cref="UpstreamOptions.RequestTimeout"/>, or, for an agent's own
/// <c>tools/list</c>, which has no such limit, until the agent gives up; it ends the listing at once instead.
/// </summary>
internal sealed class ListingCursors(string upstream, string method, ILogger logger)
{
    private const int ShownLength = 100;

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="cursor"/>, the page's <c>nextCursor</c> (null on the last page); an
    /// <see cref="UpstreamProtocolException"/> if the upstream gave it before in this listing, as the upstream misbehaving.
    /// </summary>
    public JsonNode? Next(JsonNode? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        var text = cursor.ToJsonString();
        if (_seen.Add(text))
        {
            return cursor;
        }

        var shown = ShortText.Cut(text, ShownLength);
        Log.ListingCursorRepeated(logger, upstream, method, shown);
        throw new UpstreamProtocolException(new JsonRpcErrorDetail
        {
            Code = (int)McpErrorCode.InternalError,
            Message = $"Upstream '{upstream}' repeated the cursor {shown} while listing {method} (it gave it before in the same listing), " +
                "so the gateway stopped listing it rather than page for ever.",
        });
    }
}
