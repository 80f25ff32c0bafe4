using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Every item of one of an upstream's lists (resources, resource templates, prompts), all pages read; and the upstream's
/// answer itself when it came in one page, so that an agent whose only upstream it is gets exactly that answer.
/// </summary>
internal sealed record ListedItems(IReadOnlyList<JsonObject> Items, JsonObject? OnlyPage)
{
    /// <summary>What an upstream that offers no such list lists.</summary>
    public static ListedItems None { get; } = new([], null);
}
