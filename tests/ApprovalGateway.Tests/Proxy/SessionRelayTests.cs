using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// What flows back from the upstream during a session reaches the agent that caused it: progress, sampling,
/// elicitation, roots, log messages and resource updates; cancellation flows the other way.
/// </summary>
public sealed class SessionRelayTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task ProgressNotifications_ReachTheAgent_DuringALongCall(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var client = await everything.ConnectAsync();
        var updates = new List<ProgressNotificationValue>();
        var progress = new SynchronousProgress(updates);

        var result = await client.CallToolAsync(
            "trigger-long-running-operation",
            new Dictionary<string, object?> { ["duration"] = 1, ["steps"] = 3 },
            progress);

        Assert.NotEqual(true, result.IsError);
        Assert.NotEmpty(updates);
        Assert.All(updates, u => Assert.Equal(3, u.Total));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task EveryProgressNotification_ReachesTheAgent_BeforeTheAnswerThatEndsTheCallsStream(UpstreamTransport transport)
    {
        // The last report comes just before the answer; clients drop progress that comes after the answer, which ends the
        // POST's stream. Several calls, since an answer overtaking the last report was a race, lost in about half of them.
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agent = await RawHttpAgent.ConnectAsync(everything.Gateway.McpEndpoint, "{}");
        const int Steps = 4;
        var seen = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            var call = agent.Call("tools/call", new JsonObject
            {
                ["name"] = "trigger-long-running-operation",
                ["arguments"] = new JsonObject { ["duration"] = 0.2, ["steps"] = Steps },
                ["_meta"] = new JsonObject { ["progressToken"] = $"call-{i}" },
            });
            var progressed = 0;
            var answer = await call.NextAsync(m =>
            {
                if (m["method"]?.GetValue<string>() == "notifications/progress")
                {
                    progressed++;
                }

                return m["result"] is not null || m["error"] is not null;
            }).WaitAsync(Patience);
            Assert.NotNull(answer["result"]);
            seen.Add(progressed);
        }

        Assert.All(seen, progressed => Assert.Equal(Steps, progressed));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task ProgressNotifications_ReachTheAgent_InTheOrderTheUpstreamSentThem(UpstreamTransport transport)
    {
        // Relayed from the SDK's handlers, which run side by side, a quick run of reports arrived shuffled (…14, 18, 17,
        // 16, 15, 19…) in most calls: a client's progress bar went backwards.
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agent = await RawHttpAgent.ConnectAsync(everything.Gateway.McpEndpoint, "{}");
        const int Steps = 40;
        for (var i = 0; i < 3; i++)
        {
            var call = agent.Call("tools/call", new JsonObject
            {
                ["name"] = "trigger-long-running-operation",
                ["arguments"] = new JsonObject { ["duration"] = 0.1, ["steps"] = Steps },
                ["_meta"] = new JsonObject { ["progressToken"] = $"ordered-{i}" },
            });
            var reported = new List<double>();
            var answer = await call.NextAsync(m =>
            {
                if (m["method"]?.GetValue<string>() == "notifications/progress")
                {
                    reported.Add(m["params"]!["progress"]!.GetValue<double>());
                }

                return m["result"] is not null || m["error"] is not null;
            }).WaitAsync(Patience);

            Assert.NotNull(answer["result"]);
            Assert.Equal(Enumerable.Range(1, Steps).Select(step => (double)step), reported);
        }
    }

    [Fact]
    public async Task ProgressOfAHeldCall_KeepsRising_WhenTheUpstreamStartsReportingAfterTheApproval()
    {
        // The gateway reports the wait on the agent's token, then the upstream counts from 1 on the same token: MCP has
        // progress only rise, and a client's bar would jump back.
        await using var everything = await EverythingGateway.StartAsync(
            UpstreamTransport.Stdio, EndToEnd.ApprovalPolicies.Hold("trigger-long-running-operation", """{ "timeout": 120 }"""));
        await using var agent = await RawHttpAgent.ConnectAsync(everything.Gateway.McpEndpoint, "{}");
        var call = agent.Call("tools/call", new JsonObject
        {
            ["name"] = "trigger-long-running-operation",
            ["arguments"] = new JsonObject { ["duration"] = 0.2, ["steps"] = 2 },
            ["_meta"] = new JsonObject { ["progressToken"] = "held" },
        });
        static bool IsProgress(JsonObject m) => m["method"]?.GetValue<string>() == "notifications/progress";
        var waiting = await call.NextAsync(IsProgress).WaitAsync(Patience);
        var pending = everything.Gateway.Services.GetRequiredService<ApprovalStore>().List(ApprovalStatus.Pending).Single();
        var decided = await everything.Gateway.Services.GetRequiredService<IApprovalDecisions>()
            .DecideAsync(pending.Id, new ApproverIdentity("alice", null), approve: true, null, null, "web", CancellationToken.None);
        Assert.Equal(DecisionResultKind.Resolved, decided.Kind);

        var reports = new List<JsonObject> { waiting };
        var answer = await call.NextAsync(m =>
        {
            if (IsProgress(m))
            {
                reports.Add(m);
            }

            return m["result"] is not null || m["error"] is not null;
        }).WaitAsync(Patience);

        Assert.NotNull(answer["result"]);
        var figures = reports.Select(r => r["params"]!["progress"]!.GetValue<double>()).ToList();
        Assert.True(reports.Count >= 3, $"the wait report and the upstream's two; got {reports.Count}");
        Assert.Equal(figures.Order(), figures);
        Assert.Equal(figures.Count, figures.Distinct().Count());
        var last = reports[^1]["params"]!;
        Assert.Equal(last["total"]!.GetValue<double>(), last["progress"]!.GetValue<double>());
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Cancellation_StopsTheCall_AndTheSessionStaysUsable(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var client = await everything.ConnectAsync();
        using var cts = new CancellationTokenSource();
        var firstProgress = new TaskCompletionSource();
        var progress = new CallbackProgress(_ => firstProgress.TrySetResult());

        var call = client.CallToolAsync(
            "trigger-long-running-operation",
            new Dictionary<string, object?> { ["duration"] = 60, ["steps"] = 60 },
            progress,
            cancellationToken: cts.Token).AsTask();
        await firstProgress.Task.WaitAsync(Patience);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" });
        Assert.Contains("still here", Text(echo));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task SamplingElicitationAndRoots_AreAnsweredByTheAgentThatCalled(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "sampled by the agent's model" }],
                    Model = "test-model",
                    Role = Role.Assistant,
                }),
                ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, System.Text.Json.JsonElement>
                    {
                        ["name"] = System.Text.Json.JsonSerializer.SerializeToElement("Ada"),
                    },
                }),
                RootsHandler = (request, _) => ValueTask.FromResult(new ListRootsResult
                {
                    Roots = [new Root { Uri = "file:///srv/agent-root", Name = "agent root" }],
                }),
            },
        };
        await using var client = await everything.ConnectAsync(options);

        var sampled = await client.CallToolAsync("trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "hi", ["maxTokens"] = 10 });
        var elicited = await client.CallToolAsync("trigger-elicitation-request", new Dictionary<string, object?>());
        var roots = await client.CallToolAsync("get-roots-list", new Dictionary<string, object?>());

        Assert.Contains("sampled by the agent's model", Text(sampled));
        Assert.Contains("Ada", Text(elicited));
        Assert.Contains("file:///srv/agent-root", Text(roots));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task LogMessagesAndResourceUpdates_AreRelayed_AfterSetLevelAndSubscribe(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var client = await everything.ConnectAsync();
        var logged = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var updated = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onLog = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            logged.TrySetResult(n.Params);
            return ValueTask.CompletedTask;
        });
        await using var onUpdate = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updated.TrySetResult(n.Params);
            return ValueTask.CompletedTask;
        });

        await client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.LoggingSetLevel, Params = new JsonObject { ["level"] = "debug" } });
        await client.CallToolAsync("toggle-simulated-logging", new Dictionary<string, object?>());
        var resources = await client.ListResourcesAsync();
        await client.SubscribeToResourceAsync(resources[0].Uri);
        await client.CallToolAsync("toggle-subscriber-updates", new Dictionary<string, object?>());

        var log = await logged.Task.WaitAsync(Patience);
        var update = await updated.Task.WaitAsync(Patience);
        Assert.NotNull(log?["level"]);
        Assert.Equal(resources[0].Uri, update?["uri"]?.GetValue<string>());
    }

    [Fact]
    public async Task ServerRequests_GoOutOnTheStreamOfTheCallThatCausedThem_WhileANewerCallRuns()
    {
        // A Streamable HTTP upstream sends them on the stream of the call they belong to, and the gateway follows it.
        await using var everything = await EverythingGateway.StartAsync(UpstreamTransport.StreamableHttp);

        var stream = await StreamOfTheUpstreamsPollAsync(everything.Gateway, "trigger-sampling-request-async", "trigger-long-running-operation");

        Assert.Equal("A, the call that caused it", stream);
    }

    [Fact]
    public async Task ServerRequestsFromAStdioUpstream_GoOutOnTheStreamOfTheCallWaitingOnIt_NotOfANewerCallElsewhere()
    {
        // Over stdio nothing says which call a request belongs to, but only calls waiting on that upstream can have caused it.
        var settings = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio("first"),
            TestUpstreams.EverythingStdio("second"),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:first:ToolPrefix"] = "a_",
                ["Gateway:Upstreams:second:ToolPrefix"] = "b_",
            });
        await using var gateway = await GatewayHost.StartAsync(settings);

        var stream = await StreamOfTheUpstreamsPollAsync(gateway, "a_trigger-sampling-request-async", "b_trigger-long-running-operation");

        Assert.Equal("A, the call that caused it", stream);
    }

    /// <summary>
    /// Calls <paramref name="samplingTool"/> (A), which has the agent sample as a task and then polls the agent for it;
    /// while A waits, calls <paramref name="longTool"/> (B), newer and still running when the poll comes. Says on whose
    /// stream the poll went out, and lets A finish.
    /// </summary>
    private static async Task<string> StreamOfTheUpstreamsPollAsync(GatewayHost gateway, string samplingTool, string longTool)
    {
        await using var agent = await RawHttpAgent.ConnectAsync(
            gateway.McpEndpoint, """{ "sampling": {}, "tasks": { "requests": { "sampling": { "createMessage": {} } } } }""");
        static Func<JsonObject, bool> Asks(string method) => m => m["method"]?.GetValue<string>() == method && m["id"] is not null;

        var a = agent.Call("tools/call", new JsonObject { ["name"] = samplingTool, ["arguments"] = new JsonObject { ["prompt"] = "hi" } });
        var sampling = await a.NextAsync(Asks("sampling/createMessage")).WaitAsync(Patience);
        var b = agent.Call("tools/call", new JsonObject
        {
            ["name"] = longTool,
            ["arguments"] = new JsonObject { ["duration"] = 30, ["steps"] = 30 },
            ["_meta"] = new JsonObject { ["progressToken"] = "b" },
        });
        await b.NextAsync(m => m["method"]?.GetValue<string>() == "notifications/progress").WaitAsync(Patience);
        await agent.AnswerAsync(sampling, """{ "task": { "taskId": "t1", "status": "working", "ttl": 60000, "createdAt": "2026-01-01T00:00:00Z" } }""");

        var pollOnA = a.NextAsync(Asks("tasks/get"));
        var pollOnB = b.NextAsync(Asks("tasks/get"));
        var first = await Task.WhenAny(pollOnA, pollOnB).WaitAsync(Patience);
        if (first != pollOnA)
        {
            return "B, a newer call";
        }

        await agent.AnswerAsync(await pollOnA, """{ "taskId": "t1", "status": "completed", "ttl": 60000, "createdAt": "2026-01-01T00:00:00Z" }""");
        var result = await a.NextAsync(Asks("tasks/result")).WaitAsync(Patience);
        await agent.AnswerAsync(result, """{ "role": "assistant", "model": "m", "content": { "type": "text", "text": "sampled for A" } }""");
        var answer = await a.NextAsync(m => m["result"] is not null).WaitAsync(Patience);
        Assert.Contains("sampled for A", answer.ToJsonString());
        await agent.CancelAsync(b);
        return "A, the call that caused it";
    }

    internal static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text));

    private sealed class SynchronousProgress(List<ProgressNotificationValue> updates) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value)
        {
            lock (updates)
            {
                updates.Add(value);
            }
        }
    }

    private sealed class CallbackProgress(Action<ProgressNotificationValue> callback) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => callback(value);
    }
}
