using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// What an upstream listed to one shape of client. A list it could not be asked for is null, and an agent's own session
/// asks for that one instead (it is asked again by the next that wants it: see <c>CapabilityListings</c>).
/// </summary>
internal sealed record UpstreamListing(
    IReadOnlyList<JsonObject>? Tools, ListedItems? Resources, ListedItems? ResourceTemplates, ListedItems? Prompts)
{
    /// <summary>The lists it has no answer for (resources when either resources or their templates failed: they change together).</summary>
    public ListKinds Unlisted =>
        (Tools is null ? ListKinds.Tools : ListKinds.None)
        | (Resources is null || ResourceTemplates is null ? ListKinds.Resources : ListKinds.None)
        | (Prompts is null ? ListKinds.Prompts : ListKinds.None);

    /// <summary>This listing without <paramref name="lists"/>: what still holds of it once they are said to have changed.</summary>
    public UpstreamListing Without(ListKinds lists) => new(
        lists.HasFlag(ListKinds.Tools) ? null : Tools,
        lists.HasFlag(ListKinds.Resources) ? null : Resources,
        lists.HasFlag(ListKinds.Resources) ? null : ResourceTemplates,
        lists.HasFlag(ListKinds.Prompts) ? null : Prompts);
}
