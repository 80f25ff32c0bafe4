using System.Text.Json.Serialization;

namespace ApprovalGateway.Agents;

/// <summary>
/// The body of a 401 (or 403) from the MCP endpoint: a JSON-RPC error, as the MCP SDK answers its own refusals (an unknown
/// session), so a client that shows an error's message shows why it was refused. The id is null: the request was not read.
/// </summary>
internal sealed record AgentAuthError(AgentAuthErrorDetail Error)
{
    /// <summary>A server error of JSON-RPC's own range, the code the SDK gives a request it refuses before reading it.</summary>
    public const int Code = -32001;

    [JsonPropertyName("jsonrpc")]
    [JsonPropertyOrder(-2)]
    public string JsonRpc => "2.0";

    [JsonPropertyOrder(-1)]
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Id => null;

    public static AgentAuthError Refused(string reason) => new(new AgentAuthErrorDetail(Code, reason));
}

internal sealed record AgentAuthErrorDetail(int Code, string Message);
