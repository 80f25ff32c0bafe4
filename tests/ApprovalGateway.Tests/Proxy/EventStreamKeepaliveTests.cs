using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ApprovalGateway.Hosting;
using ApprovalGateway.Proxy;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;
using Microsoft.AspNetCore.Http;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// A held call's stream, and a session's GET stream, carry an SSE comment whenever they were silent for
/// <c>Gateway:EventStreamKeepalive</c>, so that a reverse proxy's idle timeout does not cut them while a human decides.
/// The streams are read line by line here: an SSE parser, the SDKs' included, skips comments.
/// </summary>
public sealed class EventStreamKeepaliveTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private const string Keepalive = ": keepalive";

    // Three times the keepalive's interval: a tick the timer runs late on a loaded machine does not let nginx cut in.
    private static readonly TimeSpan ProxyIdleTimeout = TimeSpan.FromSeconds(3);

    private static readonly Dictionary<string, string?> EverySecond = new() { ["Gateway:EventStreamKeepalive"] = "00:00:01" };

    [Fact]
    public async Task HeldCall_CarriesCommentsWhileItWaits_ThenItsAnswer()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), EverySecond);
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        await using var call = SseLines.Post(scenario.Gateway.McpEndpoint, agent.SessionId, "2025-11-25", CallCancelTwap(123));
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Patience);

        var beforeDecision = await call.ReadUntilAsync(lines => lines.Count(l => l == Keepalive) == 2).WaitAsync(Patience);
        using (var approve = await scenario.DecideAsync(Alice, held.Id, "approve"))
        {
            approve.EnsureSuccessStatusCode();
        }

        var result = await call.ReadResultAsync().WaitAsync(Patience);

        // The priming event, then comments only: nothing that a client would take for a message.
        Assert.Equal(["event: prime", "data: "], beforeDecision.Take(2));
        Assert.DoesNotContain(beforeDecision, SseLines.IsMessage);
        Assert.NotEqual(true, (bool?)result["isError"]);
        Assert.Equal(123, (long?)result["structuredContent"]!["algoId"]);
        await call.Ended.WaitAsync(Patience);
    }

    [Theory]
    [InlineData("2025-06-18")]
    [InlineData("2025-03-26")]
    public async Task HeldCall_OnAVersionWithoutPrimingEvents_HasItsHeadersSentBeforeTheDecision(string protocolVersion)
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), EverySecond);
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}", protocolVersion);
        await using var call = SseLines.Post(scenario.Gateway.McpEndpoint, agent.SessionId, protocolVersion, CallCancelTwap(123));
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Patience);

        // Before, the SDK sent no headers at all until the answer: a proxy waiting for them gave up first.
        var response = await call.Headers.WaitAsync(Patience);
        var first = await call.ReadUntilAsync(lines => lines.Count > 0).WaitAsync(Patience);
        Assert.Equal("pending", (string?)(await scenario.GetApprovalAsync(Alice, held.Id))["status"]);
        using (var approve = await scenario.DecideAsync(Alice, held.Id, "approve"))
        {
            approve.EnsureSuccessStatusCode();
        }

        var result = await call.ReadResultAsync().WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Keepalive, first[0]);
        Assert.Equal(123, (long?)result["structuredContent"]!["algoId"]);
    }

    [Fact]
    public async Task SessionGetStream_CarriesComments_BetweenWhatItSends()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), EverySecond);
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        await using var stream = SseLines.Get(scenario.Gateway.McpEndpoint, agent.SessionId, "2025-11-25");

        await stream.ReadUntilAsync(lines => lines.Count(l => l == Keepalive) == 2).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, (await stream.Headers).StatusCode);
    }

    [NginxFact]
    public async Task BehindNginx_AHeldCallOutlivesTheProxysIdleTimeout_AndGetsItsAnswer()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), EverySecond);
        await using var nginx = await NginxProxy.StartAsync(scenario.Gateway.BaseAddress, ProxyIdleTimeout);
        var endpoint = new Uri(nginx.BaseAddress, "/mcp");
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}");
        await using var call = SseLines.Post(endpoint, agent.SessionId, "2025-11-25", CallCancelTwap(123));
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Patience);

        // Five comments a second apart: the call has waited past nginx's 3 s on a stream that would have been silent.
        await call.ReadUntilAsync(lines => lines.Count(l => l == Keepalive) == 5).WaitAsync(Patience);
        using (var approve = await scenario.DecideAsync(Alice, held.Id, "approve"))
        {
            approve.EnsureSuccessStatusCode();
        }

        var result = await call.ReadResultAsync().WaitAsync(Patience);
        Assert.Equal(123, (long?)result["structuredContent"]!["algoId"]);
    }

    [NginxFact]
    public async Task BehindNginx_WithoutKeepalive_TheProxyCutsAHeldCallsStream()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""),
            new Dictionary<string, string?> { ["Gateway:EventStreamKeepalive"] = "00:00:00" });
        await using var nginx = await NginxProxy.StartAsync(scenario.Gateway.BaseAddress, ProxyIdleTimeout);
        var endpoint = new Uri(nginx.BaseAddress, "/mcp");
        await using var agent = await RawHttpAgent.ConnectAsync(endpoint, "{}");
        await using var call = SseLines.Post(endpoint, agent.SessionId, "2025-11-25", CallCancelTwap(123));
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap).WaitAsync(Patience);

        // What the keepalive is for: the stream is cut off under the agent, its call still undecided.
        var cut = await Record.ExceptionAsync(() => call.Ended.WaitAsync(Patience));

        Assert.True(cut is HttpRequestException or IOException, $"the stream was not cut off: {cut}");
        Assert.DoesNotContain(call.ReadRest(), SseLines.IsMessage);
        Assert.Equal("pending", (string?)(await scenario.GetApprovalAsync(Alice, held.Id))["status"]);
    }

    [Fact]
    public async Task Comment_GoesOnlyBetweenEvents_AndNeverIntoAJsonAnswer()
    {
        var sse = new DefaultHttpContext();
        sse.Response.ContentType = "text/event-stream";
        var json = new DefaultHttpContext();
        json.Response.StatusCode = StatusCodes.Status400BadRequest;
        json.Response.ContentType = "application/json";
        var (sseWire, jsonWire) = (new MemoryStream(), new MemoryStream());
        var sseBody = new KeepaliveBody(sseWire, sse.Response, CancellationToken.None);
        var jsonBody = new KeepaliveBody(jsonWire, json.Response, CancellationToken.None);
        sseBody.AnswersRequest();
        jsonBody.AnswersRequest();

        // Half an event, then two looks of the timer: silent since the first, but a comment here would split the event.
        await sseBody.WriteAsync("event: message\ndata: {\"a\":"u8.ToArray());
        await jsonBody.WriteAsync("{\"jsonrpc\":"u8.ToArray());
        Tick(sseBody, jsonBody);
        await sseBody.WriteAsync("1}\n\n"u8.ToArray());
        await jsonBody.WriteAsync("\"2.0\"}\n\n"u8.ToArray());
        Tick(sseBody, jsonBody);

        Assert.Equal("event: message\ndata: {\"a\":1}\n\n: keepalive\n\n", Encoding.UTF8.GetString(sseWire.ToArray()));
        Assert.Equal("{\"jsonrpc\":\"2.0\"}\n\n", Encoding.UTF8.GetString(jsonWire.ToArray()));

        static void Tick(params KeepaliveBody[] bodies)
        {
            foreach (var body in bodies)
            {
                body.Tick();
                body.Tick();
            }
        }
    }

    [Fact]
    public void Keepalive_BelowASecond_IsRefusedNamingTheSetting_AndZeroTurnsItOff()
    {
        var off = new GatewayOptions { EventStreamKeepalive = TimeSpan.Zero };
        var tooShort = new GatewayOptions { EventStreamKeepalive = TimeSpan.FromMilliseconds(500) };
        off.Upstreams["demo"] = tooShort.Upstreams["demo"] = new UpstreamOptions { Command = "dotnet" };
        var validator = new GatewayOptionsValidator();

        var refused = validator.Validate(null, tooShort);

        Assert.True(validator.Validate(null, off).Succeeded);
        Assert.Contains("Gateway:EventStreamKeepalive must be 00:00:00 (off) or at least 00:00:01, not 00:00:00.5000000.", refused.FailureMessage, StringComparison.Ordinal);
    }

    private static JsonObject CallCancelTwap(long algoId) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = 7,
        ["method"] = "tools/call",
        ["params"] = new JsonObject { ["name"] = CancelTwap, ["arguments"] = new JsonObject { ["algoId"] = algoId } },
    };

    /// <summary>An event stream from the gateway as the lines on the wire, comments included.</summary>
    private sealed class SseLines : IAsyncDisposable
    {
        private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
        private readonly CancellationTokenSource _closed = new();
        private readonly Channel<string> _incoming = Channel.CreateUnbounded<string>();
        private readonly TaskCompletionSource<HttpResponseMessage> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _read = [];

        private SseLines(HttpRequestMessage request, string sessionId, string protocolVersion)
        {
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
            _ = ReadAsync(request);
        }

        /// <summary>The response, once its headers arrived.</summary>
        public Task<HttpResponseMessage> Headers => _headers.Task;

        /// <summary>Completes when the gateway ended the stream.</summary>
        public Task Ended => _ended.Task;

        public static SseLines Post(Uri endpoint, string sessionId, string protocolVersion, JsonObject message) => new(
            new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json") },
            sessionId,
            protocolVersion);

        public static SseLines Get(Uri endpoint, string sessionId, string protocolVersion) =>
            new(new HttpRequestMessage(HttpMethod.Get, endpoint), sessionId, protocolVersion);

        /// <summary>Reads on until the lines read so far (without the blank lines between events) satisfy <paramref name="done"/>.</summary>
        public async Task<IReadOnlyList<string>> ReadUntilAsync(Func<IReadOnlyList<string>, bool> done)
        {
            while (!done(_read))
            {
                Keep(await _incoming.Reader.ReadAsync());
            }

            return [.. _read];
        }

        /// <summary>Whether <paramref name="line"/> carries a JSON-RPC message, as opposed to a comment or a priming event.</summary>
        public static bool IsMessage(string line) => line.StartsWith("data: {", StringComparison.Ordinal);

        /// <summary>Reads on to the first message, and gives its <c>result</c>.</summary>
        public async Task<JsonNode> ReadResultAsync()
        {
            var lines = await ReadUntilAsync(lines => lines.Any(IsMessage));
            return JsonNode.Parse(lines.Single(IsMessage)["data: ".Length..])!["result"]!;
        }

        /// <summary>The lines read so far and those that came since, once the stream has ended.</summary>
        public IReadOnlyList<string> ReadRest()
        {
            while (_incoming.Reader.TryRead(out var line))
            {
                Keep(line);
            }

            return [.. _read];
        }

        // Blank lines only end events; what a test looks at are the lines that carry something.
        private void Keep(string line)
        {
            if (line.Length > 0)
            {
                _read.Add(line);
            }
        }

        private async Task ReadAsync(HttpRequestMessage request)
        {
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _closed.Token);
                _headers.TrySetResult(response);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_closed.Token));
                while (await reader.ReadLineAsync(_closed.Token) is { } line)
                {
                    await _incoming.Writer.WriteAsync(line);
                }

                _incoming.Writer.TryComplete();
                _ended.TrySetResult();
            }
            catch (Exception ex)
            {
                _headers.TrySetException(ex);
                _incoming.Writer.TryComplete(ex);
                _ended.TrySetException(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _closed.CancelAsync();
            _http.Dispose();
            _closed.Dispose();
        }
    }
}
