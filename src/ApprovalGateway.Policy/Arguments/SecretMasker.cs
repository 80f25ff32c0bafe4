using System.Text.Json.Nodes;

namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// Masks the values of secret-named arguments (see <see cref="SecretKeyName"/>) so prompts, logs and audit records
/// never show them. The upstream still gets the real value: this works on a copy.
/// </summary>
/// <remarks>JSON from an agent must pass <see cref="UnreadableJson.Find"/> first: it throws on keys or text it cannot read.</remarks>
public static class SecretMasker
{
    public const string Mask = "***";

    public static bool IsSecretKey(string key) => SecretKeyName.IsSecret(key);

    /// <summary>A deep copy of <paramref name="arguments"/> with every secret-named value replaced by <see cref="Mask"/>.</summary>
    public static JsonObject? MaskCopy(JsonObject? arguments) => arguments is null ? null : (JsonObject)MaskNode(arguments)!;

    private static JsonNode? MaskNode(JsonNode? node) => node switch
    {
        JsonObject obj => MaskObject(obj),
        JsonArray array => new JsonArray([.. array.Select(MaskNode)]),
        null => null,
        _ => node.DeepClone(),
    };

    private static JsonObject MaskObject(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            // The whole value, whatever its kind: {"apiKey": ["sk-..."]} or {"password": {"value": "..."}} hold the
            // secret one level down, under names that say nothing.
            copy[key] = IsSecretKey(key) ? JsonValue.Create(Mask) : MaskNode(value);
        }

        return copy;
    }
}
