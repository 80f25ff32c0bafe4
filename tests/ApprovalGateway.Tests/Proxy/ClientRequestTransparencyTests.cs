using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// What an upstream asks the agent (sampling, elicitation, roots) and what the agent answers cross the gateway as
/// JSON: the agent sees the request the upstream sent, and the upstream gets the agent's answer or error as given,
/// which server-everything shows by echoing it in its tool result.
/// </summary>
public sealed class ClientRequestTransparencyTests
{
    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Elicitation_TheUpstreamGetsTheHumansAnswerAsGiven_WithoutSchemaDefaults(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agents = await AgentPair.ConnectAsync(everything, """{ "elicitation": {} }""", request =>
            request.Method == RequestMethods.ElicitationCreate
                ? RawAnsweringTransport.Result(request, """{ "action": "accept", "content": { "name": "n" } }""")
                : null);

        var viaGateway = await agents.AssertSameToolResultAsync("trigger-elicitation-request", new JsonObject());

        Assert.Contains("\"name\": \"n\"", viaGateway);
        Assert.DoesNotContain("42", viaGateway);
        Assert.Equal(agents.DirectRequests(RequestMethods.ElicitationCreate), agents.GatewayRequests(RequestMethods.ElicitationCreate));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Sampling_TheUpstreamGetsTheAgentsImageAndAudioAsGiven_WithAnnotationsAndUnknownFields(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agents = await AgentPair.ConnectAsync(everything, """{ "sampling": {} }""", request =>
            request.Method != RequestMethods.SamplingCreateMessage ? null
            : request.Params!.ToJsonString().Contains("audio", StringComparison.Ordinal)
                ? RawAnsweringTransport.Result(request, """
                    { "role": "assistant", "model": "agent-model",
                      "content": { "type": "audio", "data": "UklGRg==", "mimeType": "audio/wav" } }
                    """)
                : RawAnsweringTransport.Result(request, """
                    { "role": "assistant", "model": "agent-model", "stopReason": "endTurn", "extraField": "x",
                      "content": { "type": "image", "data": "aGVsbG8=", "mimeType": "image/png",
                                   "annotations": { "audience": ["user"], "priority": 0.5 } } }
                    """));

        var audio = await agents.AssertSameToolResultAsync("trigger-sampling-request", new JsonObject { ["prompt"] = "audio", ["maxTokens"] = 5 });
        var image = await agents.AssertSameToolResultAsync("trigger-sampling-request", new JsonObject { ["prompt"] = "image", ["maxTokens"] = 5 });

        Assert.Contains("aGVsbG8=", image);
        Assert.Contains("\"priority\": 0.5", image);
        Assert.Contains("\"extraField\": \"x\"", image);
        Assert.Contains("UklGRg==", audio);
        Assert.Equal(agents.DirectRequests(RequestMethods.SamplingCreateMessage), agents.GatewayRequests(RequestMethods.SamplingCreateMessage));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Sampling_TheUpstreamGetsTheAgentsRefusalAsGiven_WithoutAPrefix(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agents = await AgentPair.ConnectAsync(everything, """{ "sampling": {} }""", request =>
            request.Method == RequestMethods.SamplingCreateMessage
                ? RawAnsweringTransport.Error(request, -32001, "user refused sampling", """{ "reason": "policy" }""")
                : null);

        var refused = await agents.AssertSameToolResultAsync("trigger-sampling-request", new JsonObject { ["prompt"] = "hi" });

        Assert.Contains("user refused sampling", refused);
        Assert.DoesNotContain("Request failed", refused);
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Roots_TheAgentGetsTheUpstreamsRequestAsSent_AndTheUpstreamItsAnswer(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var agents = await AgentPair.ConnectAsync(everything, """{ "roots": { "listChanged": true } }""", request =>
            request.Method == RequestMethods.RootsList
                ? RawAnsweringTransport.Result(request, """{ "roots": [ { "uri": "file:///srv/agent-root", "name": "agent root" } ] }""")
                : null);

        // server-everything asks for the roots 350 ms after initialization, and a tool call made before that asks as
        // well: the two could cross, and the count compared below depended on the timing. The gateway initializes its
        // session with the upstream at the agent's first call, so a call that asks nothing comes first.
        await agents.AssertSameToolResultAsync("echo", new JsonObject { ["message"] = "first use" });
        await agents.BothReceived(RequestMethods.RootsList).WaitAsync(TimeSpan.FromSeconds(30));
        var roots = await agents.AssertSameToolResultAsync("get-roots-list", new JsonObject());

        Assert.Contains("file:///srv/agent-root", roots);
        Assert.Equal(agents.DirectRequests(RequestMethods.RootsList), agents.GatewayRequests(RequestMethods.RootsList));
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task TaskAugmentedSampling_IsOffered_AndTheUpstreamPollsTheAgentsTask(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        const string capabilities = """{ "sampling": {}, "tasks": { "requests": { "sampling": { "createMessage": {} } } } }""";
        await using var agents = await AgentPair.ConnectAsync(everything, capabilities, request => request.Method switch
        {
            RequestMethods.SamplingCreateMessage => RawAnsweringTransport.Result(
                request, """{ "task": { "taskId": "agent-task-1", "status": "working", "ttl": 300000, "createdAt": "2026-01-01T00:00:00Z" } }"""),
            "tasks/get" => RawAnsweringTransport.Result(
                request, """{ "taskId": "agent-task-1", "status": "completed", "ttl": 300000, "createdAt": "2026-01-01T00:00:00Z" }"""),
            "tasks/result" => RawAnsweringTransport.Result(
                request, """{ "role": "assistant", "model": "agent-model", "content": { "type": "text", "text": "sampled as a task" } }"""),
            _ => null,
        });

        var sampled = await agents.AssertSameToolResultAsync("trigger-sampling-request-async", new JsonObject { ["prompt"] = "hi" });

        Assert.Contains("[COMPLETED]", sampled);
        Assert.Contains("sampled as a task", sampled);
        Assert.Equal(agents.DirectRequests(RequestMethods.SamplingCreateMessage), agents.GatewayRequests(RequestMethods.SamplingCreateMessage));
        Assert.Equal(agents.DirectRequests("tasks/get"), agents.GatewayRequests("tasks/get"));
    }

    /// <summary>
    /// server-everything never withdraws what it asks, so an upstream of the C# SDK does: it asks the agent to sample,
    /// and once the agent has the request withdraws it with a reason, as the TypeScript SDK's clients do on a timeout.
    /// </summary>
    [Fact]
    public async Task Withdrawal_TheAgentIsToldTheUpstreamsReason()
    {
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ask = McpServerTool.Create(
            async (McpServer server) =>
            {
                var sampling = server.SendRequestAsync(new JsonRpcRequest
                {
                    Id = new RequestId("upstream-ask-1"),
                    Method = RequestMethods.SamplingCreateMessage,
                    Params = JsonNode.Parse("""{ "messages": [], "maxTokens": 5 }"""),
                });
                await asked.Task.WaitAsync(Patience);
                await server.SendMessageAsync(new JsonRpcNotification
                {
                    Method = NotificationMethods.CancelledNotification,
                    Params = new JsonObject { ["requestId"] = "upstream-ask-1", ["reason"] = "the upstream stopped waiting" },
                });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampling);
                return "taken back";
            },
            new McpServerToolCreateOptions { Name = "ask_then_take_back" });
        await using var upstream = await DynamicToolsUpstream.StartAsync(ask);
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Http(upstream.Url, "asker"));
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, """{ "sampling": {} }""");

        var call = agent.Call("tools/call", new JsonObject { ["name"] = "ask_then_take_back", ["arguments"] = new JsonObject() });
        var sampling = await call.NextAsync(m => m["method"]?.GetValue<string>() == RequestMethods.SamplingCreateMessage).WaitAsync(Patience);
        asked.SetResult();
        var cancelled = await call.NextAsync(m => m["method"]?.GetValue<string>() == NotificationMethods.CancelledNotification).WaitAsync(Patience);

        // Before, the agent was told of the withdrawal without the reason.
        Assert.Equal(
            (sampling["id"]!.ToJsonString(), "the upstream stopped waiting"),
            (cancelled["params"]!["requestId"]!.ToJsonString(), cancelled["params"]!["reason"]?.GetValue<string>()));
        Assert.Contains("taken back", (await call.NextAsync(m => m["result"] is not null).WaitAsync(Patience)).ToJsonString());
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>The same agent twice, straight to server-everything and through the gateway, answering with the same JSON.</summary>
    private sealed class AgentPair(McpClient direct, RawAnsweringTransport directWire, McpClient viaGateway, RawAnsweringTransport gatewayWire)
        : IAsyncDisposable
    {
        public static async Task<AgentPair> ConnectAsync(
            EverythingGateway everything, string capabilities, Func<JsonRpcRequest, JsonRpcMessage?> answer)
        {
            RawAnsweringTransport? directWire = null, gatewayWire = null;
            var declared = JsonNode.Parse(capabilities)!.AsObject();
            Task<JsonRpcMessage>? Answer(JsonRpcRequest request) => answer(request) is { } reply ? Task.FromResult(reply) : null;
            var direct = await everything.ConnectDirectAsync(wrap: t => directWire = new RawAnsweringTransport(t, Answer, declared));
            var viaGateway = await everything.ConnectAsync(wrap: t => gatewayWire = new RawAnsweringTransport(t, Answer, declared));
            return new AgentPair(direct, directWire!, viaGateway, gatewayWire!);
        }

        /// <summary>Calls the tool both ways and checks that the results are the same JSON; gives the gateway's result's text.</summary>
        public async Task<string> AssertSameToolResultAsync(string tool, JsonObject arguments)
        {
            var expected = await CallAsync(direct, tool, arguments);
            var actual = await CallAsync(viaGateway, tool, arguments);
            Assert.Equal(expected, actual);
            return string.Join("\n", (JsonNode.Parse(actual!)!["content"] as JsonArray ?? []).Select(c => c?["text"]?.GetValue<string>()));
        }

        /// <summary>Completes once the server sent each connection a request of <paramref name="method"/>.</summary>
        public Task BothReceived(string method) => Task.WhenAll(directWire.FirstReceived(method), gatewayWire.FirstReceived(method));

        public string[] DirectRequests(string method) => Requests(directWire, method);

        public string[] GatewayRequests(string method) => Requests(gatewayWire, method);

        private static async Task<string?> CallAsync(McpClient client, string tool, JsonObject arguments) =>
            (await client.SendRequestAsync(new JsonRpcRequest
            {
                Method = RequestMethods.ToolsCall,
                Params = new JsonObject { ["name"] = tool, ["arguments"] = arguments.DeepClone() },
            })).Result?.ToJsonString();

        private static string[] Requests(RawAnsweringTransport wire, string method) =>
            [.. wire.Received.Where(r => r.Method == method).Select(r => r.Params?.ToJsonString() ?? "(no params)")];

        public async ValueTask DisposeAsync()
        {
            await direct.DisposeAsync();
            await viaGateway.DisposeAsync();
        }
    }
}
