using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary><c>tools/call</c> with <c>"arguments": null</c> is answered as the upstream answers it directly.</summary>
public sealed class NullArgumentsTransparencyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallWithNullArguments_GetsTheUpstreamsOwnAnswer_AndIsAuditedAsItsRefusal()
    {
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.StreamableHttp);

        var direct = await CallWithNullArgumentsAsync(everything.UpstreamEndpoint!);
        var viaGateway = await CallWithNullArgumentsAsync(everything.Gateway.McpEndpoint);

        // server-everything (the TypeScript SDK) refuses it; before, the gateway sent no arguments instead, and the
        // tool ran (echo answered an isError result about its missing message).
        Assert.Equal(-32603, (int?)direct["code"]);
        Assert.Contains("expected record, received null", (string?)direct["message"], StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(direct, viaGateway), $"direct {direct}, via the gateway {viaGateway}");
        var record = everything.Gateway.Services.GetRequiredService<IAuditLog>().RecentRequests(1).Single();
        Assert.Equal(("echo", "upstream_failed", (string?)direct["message"]), (record.Tool, record.Outcome, record.Reason));
    }

    /// <summary>The error of a <c>tools/call</c> of echo with <c>"arguments": null</c>.</summary>
    private static async Task<JsonNode> CallWithNullArgumentsAsync(Uri endpoint)
    {
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}");
        var call = agent.Call("tools/call", new JsonObject { ["name"] = "echo", ["arguments"] = null });
        var answer = await call.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(Patience);
        return answer["error"]?.DeepClone() ?? throw new Xunit.Sdk.XunitException($"No error: {answer}");
    }
}
