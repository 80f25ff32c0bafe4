using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApprovalGateway.Approvals;

/// <summary><c>{"reason":"..."}</c>, or no body at all.</summary>
internal sealed class RevokeRequestBody
{
    public string? Reason { get; init; }

    /// <summary>Fields the body should not have, kept to be refused: ignored, a misspelt reason was lost.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}
