using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>The details of a call the gateway refused, read where every refusal carries them: its result's <c>_meta</c>.</summary>
internal static class Refusals
{
    private const string MetaKey = "approval-gateway/refusal";

    public static JsonObject Of(CallToolResult result) =>
        result.Meta?[MetaKey]?.AsObject()
        ?? throw new InvalidOperationException("The result carries no refusal: " + string.Join(' ', result.Content.OfType<TextContentBlock>().Select(t => t.Text)));

    /// <summary>The same, for a result read as raw JSON (a task's payload).</summary>
    public static JsonObject Of(JsonNode result) =>
        result["_meta"]?[MetaKey]?.AsObject() ?? throw new InvalidOperationException("The result carries no refusal: " + result.ToJsonString());
}
