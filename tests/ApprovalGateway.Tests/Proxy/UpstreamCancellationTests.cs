using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.EndToEnd;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// A request the gateway stops waiting for, because the agent cancelled it or the upstream took too long, is
/// cancelled at the upstream too (over Streamable HTTP, where the SDK's client would only drop its POST).
/// </summary>
public sealed class UpstreamCancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task UpstreamThatNeverAnswers_EndsTheCallAtItsRequestTimeout_AndIsToldToCancel()
    {
        await using var upstream = await HangingUpstream.StartAsync();
        await using var gateway = await InFrontOfAsync(upstream, ("RequestTimeout", "00:00:01"));
        await using var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("hang").AsTask().WaitAsync(Patience);
        await upstream.Cancelled.WaitAsync(Patience);

        Assert.True(result.IsError);
        Assert.Equal(
            "Upstream 'slow' did not answer tools/call within 1s, so the gateway stopped waiting and asked it to cancel (Gateway:Upstreams:slow:RequestTimeout).",
            SessionRelayTests.Text(result));
        var record = gateway.Services.GetRequiredService<IAuditLog>().Recent(10).First(r => r.Tool == "hang" && r.Outcome != "forwarding");
        Assert.Equal("upstream_failed", record.Outcome);
        Assert.Contains("did not answer", record.Reason);
        Assert.Equal("fine", SessionRelayTests.Text(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "fine" })));
    }

    [Fact]
    public async Task AgentThatCancels_StopsTheToolAtTheUpstream()
    {
        await using var upstream = await HangingUpstream.StartAsync();
        // The SDK's client cancels by dropping its POST, which the gateway cannot tell from a network failure: it
        // stops the call once the agent has not resumed it within the resumption window.
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.Merge(TestUpstreams.Http(upstream.Server.Url, "slow"), new Dictionary<string, string?> { ["Gateway:Resumption:Window"] = "00:00:01" }),
            configure: builder => builder.Services.Replace(ServiceDescriptor.Singleton<IAuditLog>(sp => new AuditAppendWatcher(sp.GetRequiredService<FileAuditLog>()))));
        var audit = (AuditAppendWatcher)gateway.Services.GetRequiredService<IAuditLog>();
        await using var client = await gateway.ConnectAsync();
        using var cancel = new CancellationTokenSource();

        var call = client.CallToolAsync("hang", cancellationToken: cancel.Token).AsTask();
        await upstream.Started.WaitAsync(Patience);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await upstream.Cancelled.WaitAsync(Patience);
        // Written once the upstream was told, after the agent had gone: nothing the agent gets waits for it.
        var record = await audit.WaitForOutcomeAsync("withdrawn");
        Assert.Equal("hang", record.Tool);
    }

    [Fact]
    public async Task AgentsCancellation_ReachesTheUpstream_WithItsReason_AndTheIdTheUpstreamGaveTheCall()
    {
        var callIds = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancels = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hang = McpServerTool.Create(
            async (CancellationToken cancellationToken) =>
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return "never";
            },
            new McpServerToolCreateOptions { Name = "hang" });
        await using var upstream = await DynamicToolsUpstream.StartAsync(
            options => options.Filters.Message.IncomingFilters.Add(next => (context, cancellationToken) =>
            {
                switch (context.JsonRpcMessage)
                {
                    case JsonRpcRequest { Method: RequestMethods.ToolsCall } call:
                        callIds.TrySetResult(JsonSerializer.SerializeToNode(call.Id, McpJsonUtilities.DefaultOptions));
                        break;
                    case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled:
                        cancels.TrySetResult(cancelled.Params?.DeepClone());
                        break;
                }

                return next(context, cancellationToken);
            }),
            hang);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "slow"));
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");

        var call = agent.Call("tools/call", new JsonObject { ["name"] = "hang" });
        var callId = await callIds.Task.WaitAsync(Patience);
        await agent.CancelAsync(call, "the user pressed stop");
        var cancelled = await cancels.Task.WaitAsync(Patience);

        // Before, the upstream was told "the agent cancelled the request", of a request "1" where it had been sent 1:
        // a server that matches ids as sent (the TypeScript SDK's) went on with the call.
        Assert.Equal("the user pressed stop", (string?)cancelled?["reason"]);
        Assert.Equal(callId?.ToJsonString(), cancelled?["requestId"]?.ToJsonString());
    }

    [Fact]
    public async Task ProgressReports_KeepASlowCallAlive_PastItsRequestTimeout()
    {
        await using var upstream = await HangingUpstream.StartAsync();
        await using var gateway = await InFrontOfAsync(upstream, ("RequestTimeout", "00:00:01.500"));
        await using var client = await gateway.ConnectAsync();
        var reports = 0;
        var threeSeconds = new Dictionary<string, object?> { ["steps"] = 15 };

        // Three seconds of work, a report every 200 ms: alive with a progress token, timed out without one.
        var reported = await client.CallToolAsync("report", threeSeconds, new Reports(() => Interlocked.Increment(ref reports)))
            .AsTask().WaitAsync(Patience);
        var silent = await client.CallToolAsync("report", threeSeconds).AsTask().WaitAsync(Patience);

        Assert.Equal("done after 15 reports", SessionRelayTests.Text(reported));
        Assert.True(reports > 0);
        Assert.True(silent.IsError);
        Assert.StartsWith("Upstream 'slow' did not answer tools/call within 1s,", SessionRelayTests.Text(silent));
    }

    [Fact]
    public async Task ProgressReports_CannotKeepACallAlive_PastItsMaxRequestDuration()
    {
        await using var upstream = await HangingUpstream.StartAsync();
        await using var gateway = await InFrontOfAsync(upstream, ("RequestTimeout", "00:00:01.500"), ("MaxRequestDuration", "00:00:03"));
        await using var client = await gateway.ConnectAsync();

        var result = await client.CallToolAsync("report", new Dictionary<string, object?> { ["forever"] = true }, new Reports(() => { }))
            .AsTask().WaitAsync(Patience);
        await upstream.Cancelled.WaitAsync(Patience);

        Assert.True(result.IsError);
        Assert.Equal(
            "Upstream 'slow' was still working on tools/call after 3s, the most a request may take, so the gateway stopped waiting " +
            "and asked it to cancel (Gateway:Upstreams:slow:MaxRequestDuration).",
            SessionRelayTests.Text(result));
    }

    /// <summary>A gateway whose one upstream, <c>slow</c>, is <paramref name="upstream"/>, with these of its settings.</summary>
    private static Task<GatewayHost> InFrontOfAsync(HangingUpstream upstream, params (string Key, string Value)[] settings) =>
        GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.Http(upstream.Server.Url, "slow"),
            settings.ToDictionary(s => $"Gateway:Upstreams:slow:{s.Key}", s => (string?)s.Value)));

    private sealed class Reports(Action reported) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => reported();
    }

    /// <summary>An MCP server whose <c>hang</c> tool runs until it is cancelled, and says when it started and when it was cancelled.</summary>
    private sealed class HangingUpstream : IAsyncDisposable
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DynamicToolsUpstream Server { get; private set; } = null!;

        public Task Started => _started.Task;

        public Task Cancelled => _cancelled.Task;

        public static async Task<HangingUpstream> StartAsync()
        {
            var upstream = new HangingUpstream();
            var hang = McpServerTool.Create(
                async (CancellationToken cancellationToken) =>
                {
                    upstream._started.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        upstream._cancelled.TrySetResult();
                        throw;
                    }

                    return "never";
                },
                new McpServerToolCreateOptions { Name = "hang" });
            var report = McpServerTool.Create(
                async (IProgress<ProgressNotificationValue> progress, CancellationToken cancellationToken, int steps = 10, bool forever = false) =>
                {
                    try
                    {
                        for (var i = 1; forever || i <= steps; i++)
                        {
                            await Task.Delay(200, cancellationToken);
                            progress.Report(new ProgressNotificationValue { Progress = i, Total = forever ? null : steps });
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        upstream._cancelled.TrySetResult();
                        throw;
                    }

                    return $"done after {steps} reports";
                },
                new McpServerToolCreateOptions { Name = "report" });
            var echo = McpServerTool.Create((string message) => message, new McpServerToolCreateOptions { Name = "echo" });
            upstream.Server = await DynamicToolsUpstream.StartAsync(hang, report, echo);
            return upstream;
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
