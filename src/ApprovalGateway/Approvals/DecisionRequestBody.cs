using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApprovalGateway.Approvals;

/// <summary><c>{"decision":"approve"|"reject","reason":"...","grant_minutes":15}</c></summary>
internal sealed class DecisionRequestBody
{
    public string? Decision { get; init; }

    public string? Reason { get; init; }

    public int? GrantMinutes { get; init; }

    /// <summary>
    /// Fields the body should not have, kept to be refused: ignored, a misspelt one (<c>grantMinutes</c>) approved
    /// the call without the grant asked for. (Settable: source-generated JSON binds extension data through no constructor or init.)
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}
