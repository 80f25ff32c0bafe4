using System.Threading.Channels;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using ModelContextProtocol;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>One upstream that cannot be reached leaves agents every other upstream's tools, resources and prompts.</summary>
public sealed class DownUpstreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task UnreachableHttpUpstream_LeavesTheOthersListed_UnknownToolsAudited_AndItsToolsAnnouncedOnceItComes()
    {
        var port = LoopbackPort.Free();
        var errors = new ErrorLog();
        var settings = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("ev"),
            TestUpstreams.Http(new Uri($"http://127.0.0.1:{port}/mcp"), "evh"),
            new Dictionary<string, string?> { ["Gateway:Upstreams:evh:ToolPrefix"] = "evh_" });
        await using var gateway = await GatewayHost.StartAsync(settings, configure: builder => builder.Logging.AddProvider(errors));
        await using var client = await gateway.ConnectAsync();
        var changes = Channel.CreateUnbounded<bool>();
        await using var onChanged = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changes.Writer.TryWrite(true);
            return ValueTask.CompletedTask;
        });

        // Before, each of these failed with "Upstream 'evh' could not be reached", and so did the call below.
        var whileDown = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var resources = await client.ListResourcesAsync();
        var prompts = await client.ListPromptsAsync();
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("nosuch", new Dictionary<string, object?>()).AsTask());
        var record = gateway.Services.GetRequiredService<IAuditLog>().Recent(10).FirstOrDefault(r => r.Tool == "nosuch");

        // server-everything (ev) announces tools of its own after initialize; only the gateway announces evh's.
        await using var evh = await NodeMcpServer.ScriptAsync(ForgetfulServer.Script, port);
        List<string> onceUp;
        do
        {
            await changes.Reader.ReadAsync().AsTask().WaitAsync(Patience);
            onceUp = [.. (await client.ListToolsAsync()).Select(t => t.Name)];
        }
        while (!onceUp.Contains("evh_echo"));
        var echo = await client.CallToolAsync("evh_echo", new Dictionary<string, object?> { ["message"] = "via evh" });

        Assert.Contains("echo", whileDown);
        Assert.DoesNotContain(whileDown, n => n.StartsWith("evh_", StringComparison.Ordinal));
        Assert.NotEmpty(resources);
        Assert.NotEmpty(prompts);
        Assert.Equal(McpErrorCode.InvalidParams, unknown.ErrorCode);
        Assert.Contains("Unknown tool", unknown.Message, StringComparison.Ordinal);
        Assert.Equal("unknown_tool", record?.Outcome);
        Assert.Contains("echo", onceUp);
        Assert.Equal("via evh (echo 1)", SessionRelayTests.Text(echo));

        // The link's one-line warning says why each attempt failed; the SDK's client no longer adds its stack trace at Error.
        Assert.DoesNotContain(errors.Lines, line => line.Contains("ModelContextProtocol", StringComparison.Ordinal));
    }
}
