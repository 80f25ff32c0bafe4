using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The tool result an agent gets when the gateway does not forward its call: <c>isError</c>, a plain sentence,
/// and <c>structuredContent</c> with a stable shape so agents can tell deny, rate limit, rejection and timeout apart.
/// </summary>
internal static class ToolCallResults
{
    public static JsonObject Refused(
        DecisionKind decision,
        string text,
        string? reason,
        string rule,
        int? retryAfterSeconds = null,
        string? approvalId = null,
        IReadOnlyList<string>? decidedBy = null) => new()
        {
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["structuredContent"] = new JsonObject
            {
                ["decision"] = decision.ToWireName(),
                ["reason"] = reason,
                ["rule"] = rule,
                ["retryAfterSeconds"] = retryAfterSeconds,
                ["approvalId"] = approvalId,
                ["decidedBy"] = decidedBy is null ? null : new JsonArray([.. decidedBy.Select(d => JsonValue.Create(d))]),
            },
            ["isError"] = true,
        };
}
