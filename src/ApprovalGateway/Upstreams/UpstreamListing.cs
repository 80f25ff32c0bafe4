using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// What an upstream listed to one shape of client. A list it could not be asked for is null, and an agent's own session
/// asks for that one instead (its tools are asked again by the next that wants them: see <c>CapabilityListings</c>).
/// </summary>
internal sealed record UpstreamListing(
    IReadOnlyList<JsonObject>? Tools, ListedItems? Resources, ListedItems? ResourceTemplates, ListedItems? Prompts);
