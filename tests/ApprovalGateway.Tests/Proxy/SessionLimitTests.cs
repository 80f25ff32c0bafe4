using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Metrics;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// An agent that opens sessions in a loop meets a clear refusal (each session holds upstream sessions, for stdio a
/// process each), and does not crowd out the other agents.
/// </summary>
public sealed class SessionLimitTests
{
    private const string LooperKey = "looper-key-0123456789";
    private const string BystanderKey = "bystander-key-0123456789";

    [Fact]
    public async Task SessionsPastTheLimits_AreRefusedSayingWhich_AndAClosedSessionFreesItsPlace()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Agents:looper:ApiKey"] = LooperKey,
                ["Gateway:Agents:bystander:ApiKey"] = BystanderKey,
                ["Gateway:MaxSessionsPerAgent"] = "2",
                ["Gateway:MaxSessions"] = "3",
            }));
        using var http = new HttpClient();
        using var closed = new SessionCloseWatch();

        // Requests that open no session hold no place.
        for (var i = 0; i < 3; i++)
        {
            using var notInitialize = await PostAsync(http, gateway, LooperKey, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
            Assert.NotEqual(HttpStatusCode.TooManyRequests, notInitialize.StatusCode);
        }

        var first = await gateway.ConnectAsync(bearer: LooperKey);
        await using var second = await gateway.ConnectAsync(bearer: LooperKey);
        using var thirdOfLooper = await PostAsync(http, gateway, LooperKey, Initialize);
        await using var bystander = await gateway.ConnectAsync(bearer: BystanderKey);
        using var secondOfBystander = await PostAsync(http, gateway, BystanderKey, Initialize);

        Assert.Equal(HttpStatusCode.TooManyRequests, thirdOfLooper.StatusCode);
        Assert.Equal(
            "Agent 'looper' already has 2 open MCP sessions, the most Gateway:MaxSessionsPerAgent allows. Close the sessions it no " +
            "longer uses (DELETE /mcp) or let idle ones expire (Gateway:SessionIdleTimeout).",
            await ErrorMessageAsync(thirdOfLooper));
        // Before, no Retry-After: a client had nothing to go by but its own loop. The id is null (the body is not read).
        Assert.Equal(TimeSpan.FromMinutes(1), thirdOfLooper.Headers.RetryAfter?.Delta);
        Assert.Equal(JsonValueKind.Null, (await thirdOfLooper.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").ValueKind);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, secondOfBystander.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(1), secondOfBystander.Headers.RetryAfter?.Delta);
        Assert.Equal(
            "The gateway already has 3 open MCP sessions, the most Gateway:MaxSessions allows. Try again once some close.",
            await ErrorMessageAsync(secondOfBystander));
        Assert.NotEmpty(await bystander.ListToolsAsync());

        var looperClosed = closed.WaitForAsync("looper");
        await first.DisposeAsync();
        await looperClosed.WaitAsync(TimeSpan.FromSeconds(30));
        await using var again = await gateway.ConnectAsync(bearer: LooperKey);
        Assert.NotEmpty(await again.ListToolsAsync());
    }

    private const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"loop","version":"1"}}}
        """;

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, GatewayHost gateway, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.McpEndpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return http.SendAsync(request);
    }

    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())?["error"]?["message"]?.GetValue<string>();

    /// <summary>Hears the gateway give back a session's place, which happens once its upstream sessions are closed.</summary>
    private sealed class SessionCloseWatch : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Agent, TaskCompletionSource Closed)> _waiting = [];

        public SessionCloseWatch()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == GatewayMetrics.MeterName && instrument.Name == "approval_gateway.sessions.open")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                if (value >= 0)
                {
                    return;
                }

                foreach (var tag in tags)
                {
                    if (tag.Key == "agent")
                    {
                        lock (_waiting)
                        {
                            _waiting.Where(w => w.Agent == (string?)tag.Value).ToList().ForEach(w => w.Closed.TrySetResult());
                        }
                    }
                }
            });
            _listener.Start();
        }

        public Task WaitForAsync(string agent)
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiting)
            {
                _waiting.Add((agent, closed));
            }

            return closed.Task;
        }

        public void Dispose() => _listener.Dispose();
    }
}
