using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalGateway.Slack;

/// <summary>
/// The message metadata a prompt is posted with, so the prompt of an approval can be found in the channel again when
/// Slack posted it but its answer never arrived (a timeout, a reset connection, an instance killed in between).
/// </summary>
internal sealed record SlackPromptTag(string ApprovalId)
{
    public const string EventType = "approval_gateway_prompt";

    private const string ApprovalIdField = "approval_id";

    public JsonObject ToMetadata() => new()
    {
        ["event_type"] = EventType,
        ["event_payload"] = new JsonObject { [ApprovalIdField] = ApprovalId },
    };

    /// <summary>Whether <paramref name="message"/>, as conversations.history returns it, carries this tag.</summary>
    public bool IsOn(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object
        && message.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("event_type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals(EventType)
        && metadata.TryGetProperty("event_payload", out var payload) && payload.ValueKind == JsonValueKind.Object
        && payload.TryGetProperty(ApprovalIdField, out var id) && id.ValueKind == JsonValueKind.String && id.ValueEquals(ApprovalId);
}
