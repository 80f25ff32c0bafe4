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
    /// the call without the grant asked for. (Settable: the JSON source generator binds extension data through neither a constructor nor an init accessor.)
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; set; }
}
