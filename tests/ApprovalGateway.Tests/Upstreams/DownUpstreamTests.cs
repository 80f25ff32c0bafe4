using System.Threading.Channels;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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

    [Fact]
    public async Task HttpUpstreamAnswering404_IsReportedInOneLinePerAttempt_WithoutTheSdksWarningsAndStackTraces()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var notMcp = builder.Build();
        notMcp.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await notMcp.StartAsync();
        var errors = new ErrorLog();

        // No Transport: the SDK tries Streamable HTTP, then the older HTTP+SSE, as it does for any URL by default.
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.EverythingStdio("ev"), new Dictionary<string, string?> { ["Gateway:Upstreams:nf:Url"] = $"{notMcp.Urls.Single()}/mcp" }),
            configure: builder => builder.Logging.AddProvider(errors));
        await errors.Counted(1001, 2).WaitAsync(Patience);

        // Before, each attempt also logged two warnings of the SDK's with their stack traces: "nf transport message
        // reading failed." and "nf SSE fallback failed after Streamable HTTP also failed; surfacing both errors."
        Assert.Contains("404 (Not Found)", errors.Messages(1001)[0], StringComparison.Ordinal);
        Assert.DoesNotContain(errors.WithException, entry => entry.StartsWith("ModelContextProtocol", StringComparison.Ordinal));
    }
}
