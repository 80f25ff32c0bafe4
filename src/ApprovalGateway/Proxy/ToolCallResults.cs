using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The tool result an agent gets when the gateway does not forward its call: <c>isError</c>, a plain sentence,
/// and the refusal's details with a stable shape so agents can tell deny, rate limit, rejection and timeout apart,
/// under <c>_meta</c> always and as <c>structuredContent</c> too where the tool declares no <c>outputSchema</c>.
/// </summary>
internal static class ToolCallResults
{
    /// <summary>Where in the result's <c>_meta</c> the refusal's details are, whatever the tool.</summary>
    public const string RefusalMetaKey = "approval-gateway/refusal";

    /// <param name="tool">The tool called, when known: its <c>outputSchema</c> decides whether the details may also be <c>structuredContent</c>.</param>
    public static JsonObject Refused(
        UpstreamTool? tool,
        DecisionKind decision,
        string text,
        string? reason,
        string rule,
        int? retryAfterSeconds = null,
        string? approvalId = null,
        IReadOnlyList<string>? decidedBy = null)
    {
        var details = new JsonObject
        {
            ["decision"] = decision.ToWireName(),
            ["reason"] = reason,
            ["rule"] = rule,
            ["retryAfterSeconds"] = retryAfterSeconds,
            ["approvalId"] = approvalId,
            ["decidedBy"] = decidedBy is null ? null : new JsonArray([.. decidedBy.Select(d => JsonValue.Create(d))]),
        };
        var result = new JsonObject
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["isError"] = true,
            ["_meta"] = new JsonObject { [RefusalMetaKey] = details },
        };

        // Clients check structuredContent against the tool's outputSchema, the TypeScript SDK's even on an error
        // result, and fail the call with a schema error instead of showing why it was refused. Without a tool to
        // check (a task's withdrawal), only _meta carries them.
        if (tool is not null && tool.Definition["outputSchema"] is null)
        {
            result["structuredContent"] = details.DeepClone();
        }

        return result;
    }
}
