using System.Text.Json;

namespace ApprovalGateway.Slack;

internal static class SlackJson
{
    /// <summary>
    /// The string <paramref name="property"/> of <paramref name="element"/>; null when either is of another kind, where
    /// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> and <see cref="JsonElement.GetString"/> throw:
    /// a payload's shape is the sender's to choose, and a signed one is no better formed than a forged one.
    /// </summary>
    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
