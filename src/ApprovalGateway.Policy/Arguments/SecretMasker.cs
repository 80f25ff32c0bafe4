using System.Text.Json.Nodes;

namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// Masks values whose key looks like a secret (apiKey, secret, password, token, signature...) so prompts,
/// logs and audit records never show them. The upstream still gets the real value: this works on a copy.
/// </summary>
public static class SecretMasker
{
    public const string Mask = "***";

    private static readonly string[] SecretWords =
        ["apikey", "api_key", "secret", "password", "passwd", "token", "signature", "privatekey", "private_key", "credential", "authorization"];

    public static bool IsSecretKey(string key)
    {
        var normalized = key.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        foreach (var word in SecretWords)
        {
            if (normalized.Contains(word, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

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
            copy[key] = IsSecretKey(key) && value is not null and not JsonObject and not JsonArray
                ? JsonValue.Create(Mask)
                : MaskNode(value);
        }

        return copy;
    }
}
