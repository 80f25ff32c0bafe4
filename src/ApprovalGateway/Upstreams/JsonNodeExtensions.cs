using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Reads fields of JSON that peers sent (an agent's params, an upstream's listing), where a field may hold any type:
/// one of the wrong type reads as absent, so the caller answers with a clear error or skips the item instead of
/// failing the whole message with an exception.
/// </summary>
internal static class JsonNodeExtensions
{
    public static string? AsString(this JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
