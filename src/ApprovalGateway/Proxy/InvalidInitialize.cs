using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The answer to an <c>initialize</c> whose params are not the ones MCP defines (a <c>clientInfo</c> without its
/// <c>version</c>, say): -32602 Invalid params, naming the first member that is wrong. The SDK cannot read such params,
/// and left to itself answers an HTTP agent with an empty 500 and a stdio agent with -32603 "An error occurred".
/// </summary>
internal static class InvalidInitialize
{
    /// <summary>The refusal of these params, or null when they are an initialize's.</summary>
    public static JsonRpcError? Answer(RequestId id, JsonNode? parameters) => Problem(parameters) is { } problem
        ? Refusal(id, $"Invalid params: {problem}. An initialize's params hold protocolVersion, capabilities and clientInfo (name and version).")
        : null;

    /// <summary>The refusal of params the SDK could not read where the gateway has not all of them to say why (a body over 64 KiB).</summary>
    public static JsonRpcError Unreadable(RequestId id) => Refusal(id, "Invalid params: the initialize's params could not be read.");

    private static JsonRpcError Refusal(RequestId id, string message) =>
        new() { Id = id, Error = new JsonRpcErrorDetail { Code = (int)McpErrorCode.InvalidParams, Message = message } };

    private static string? Problem(JsonNode? parameters)
    {
        if (parameters is not JsonObject members)
        {
            return "params must be an object";
        }

        if (!IsString(members["protocolVersion"]))
        {
            return "params.protocolVersion must be a string, such as \"2025-11-25\"";
        }

        if (members["capabilities"] is not JsonObject)
        {
            return "params.capabilities must be an object ({} for none)";
        }

        if (members["clientInfo"] is not JsonObject clientInfo)
        {
            return "params.clientInfo must be an object";
        }

        if (!IsString(clientInfo["name"]) || !IsString(clientInfo["version"]))
        {
            return $"params.clientInfo.{(IsString(clientInfo["name"]) ? "version" : "name")} must be a string";
        }

        try
        {
            _ = members.Deserialize<InitializeRequestParams>(McpJsonUtilities.DefaultOptions);
            return null;
        }
        catch (JsonException ex)
        {
            // Deeper down (capabilities.roots a number, say): the serializer knows where.
            return ex.Path is ['$', .. var path] ? $"params{path} is not what MCP defines there" : "params could not be read";
        }
    }

    private static bool IsString(JsonNode? node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;
}
