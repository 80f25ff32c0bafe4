using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// An agent that speaks Streamable HTTP to the gateway by hand, so a test can see on which POST's answer stream each
/// message arrives: the SDK's client does not say.
/// </summary>
internal sealed class RawHttpAgent : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _closed = new();
    private readonly Uri _endpoint;
    private readonly string _protocolVersion;
    private string? _sessionId;
    private int _lastId;

    private RawHttpAgent(Uri endpoint, string protocolVersion)
    {
        _endpoint = endpoint;
        _protocolVersion = protocolVersion;
    }

    /// <param name="protocolVersion">The version the agent asks for at <c>initialize</c> and names in its requests' headers.</param>
    public static async Task<RawHttpAgent> ConnectAsync(Uri endpoint, string capabilities, string protocolVersion = "2025-11-25")
    {
        var agent = new RawHttpAgent(endpoint, protocolVersion);
        var initialize = agent.Call("initialize", new JsonObject
        {
            ["protocolVersion"] = protocolVersion,
            ["capabilities"] = JsonNode.Parse(capabilities),
            ["clientInfo"] = new JsonObject { ["name"] = "raw-http-agent", ["version"] = "1.0" },
        });
        await initialize.NextAsync(m => m["result"] is not null);
        agent._sessionId = initialize.SessionId;
        await agent.SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        return agent;
    }

    /// <summary>The session the gateway gave the agent at <c>initialize</c>.</summary>
    public string SessionId => _sessionId!;

    /// <summary>Posts a request; its answer stream is read from here on.</summary>
    public AnswerStream Call(string method, JsonObject parameters)
    {
        var id = ++_lastId;
        return new(id, _http, Post(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }), _closed.Token);
    }

    /// <summary>
    /// Opens a GET stream: the session's stream for what the gateway sends unasked, or with <paramref name="lastEventId"/>
    /// the resumption of a stream that dropped (a POST's answer or the session's), from the event after that one.
    /// </summary>
    public AnswerStream Listen(string? lastEventId = null)
    {
        var get = new HttpRequestMessage(HttpMethod.Get, _endpoint);
        get.Headers.Accept.ParseAdd("text/event-stream");
        get.Headers.Add("Mcp-Session-Id", _sessionId);
        get.Headers.Add("MCP-Protocol-Version", _protocolVersion);
        if (lastEventId is not null)
        {
            get.Headers.Add("Last-Event-ID", lastEventId);
        }

        return new(0, _http, get, _closed.Token);
    }

    /// <summary>Ends the session, as a client does with DELETE.</summary>
    public async Task DeleteSessionAsync()
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, _endpoint);
        delete.Headers.Add("Mcp-Session-Id", _sessionId);
        delete.Headers.Add("MCP-Protocol-Version", _protocolVersion);
        using var response = await _http.SendAsync(delete);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Sends a DELETE of the session naming <paramref name="protocolVersion"/>, and gives its status whatever it is.</summary>
    public async Task<HttpStatusCode> TryDeleteSessionAsync(string protocolVersion)
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, _endpoint);
        delete.Headers.Add("Mcp-Session-Id", _sessionId);
        delete.Headers.Add("MCP-Protocol-Version", protocolVersion);
        using var response = await _http.SendAsync(delete);
        return response.StatusCode;
    }

    /// <summary>Cancels the request of <paramref name="call"/>, as MCP's <c>notifications/cancelled</c> does (without a reason when it is null).</summary>
    public Task CancelAsync(AnswerStream call, string? reason = "the test is done")
    {
        var parameters = new JsonObject { ["requestId"] = call.Id };
        if (reason is not null)
        {
            parameters["reason"] = reason;
        }

        return SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/cancelled", ["params"] = parameters });
    }

    /// <summary>Answers a request the gateway sent with <paramref name="result"/>.</summary>
    public Task AnswerAsync(JsonObject request, string result) =>
        SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]!.DeepClone(), ["result"] = JsonNode.Parse(result) });

    private async Task SendAsync(JsonObject message)
    {
        using var response = await _http.SendAsync(Post(message));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private HttpRequestMessage Post(JsonObject message)
    {
        var post = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        post.Headers.Accept.ParseAdd("application/json");
        post.Headers.Accept.ParseAdd("text/event-stream");
        if (_sessionId is not null)
        {
            post.Headers.Add("Mcp-Session-Id", _sessionId);
            post.Headers.Add("MCP-Protocol-Version", _protocolVersion);
        }

        return post;
    }

    public async ValueTask DisposeAsync()
    {
        // Ends the answer streams still open, as a client going away does; a cancelled request's stream gets no answer.
        await _closed.CancelAsync();
        _http.Dispose();
        _closed.Dispose();
    }

    /// <summary>The SSE answer to one POST (or a GET stream), read as it comes.</summary>
    public sealed class AnswerStream
    {
        private readonly Channel<JsonObject> _messages = Channel.CreateUnbounded<JsonObject>();
        private readonly TaskCompletionSource<string?> _sessionId = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<HttpStatusCode> _status = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _firstEventId = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _dropped;
        private volatile string? _lastEventId;

        public AnswerStream(int id, HttpClient http, HttpRequestMessage request, CancellationToken closed)
        {
            Id = id;
            _dropped = CancellationTokenSource.CreateLinkedTokenSource(closed);
            _ = ReadAsync(http, request, _dropped.Token);
        }

        public int Id { get; }

        public string? SessionId => _sessionId.Task.IsCompletedSuccessfully ? _sessionId.Task.Result : null;

        /// <summary>The id of the last event read, which a resumption starts after.</summary>
        public string? LastEventId => _lastEventId;

        /// <summary>The HTTP status the gateway answered with.</summary>
        public Task<HttpStatusCode> Status => _status.Task;

        /// <summary>
        /// The id of the first event with one: a resumable stream starts with a priming event (no data) that has
        /// one, so the agent can resume even if the stream drops before anything else comes.
        /// </summary>
        public Task<string> FirstEventId => _firstEventId.Task;

        /// <summary>Completes when the stream has ended as a whole response; fails when it was cut off.</summary>
        public Task Ended => _ended.Task;

        /// <summary>Cuts this stream's connection, as a network failure does; the session and other streams go on.</summary>
        public Task DropAsync() => _dropped.CancelAsync();

        /// <summary>The next message on this stream that <paramref name="match"/> accepts; those before it are passed over.</summary>
        public async Task<JsonObject> NextAsync(Func<JsonObject, bool> match)
        {
            while (true)
            {
                var message = await _messages.Reader.ReadAsync();
                if (match(message))
                {
                    return message;
                }
            }
        }

        private async Task ReadAsync(HttpClient http, HttpRequestMessage request, CancellationToken closed)
        {
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, closed);
                _status.TrySetResult(response.StatusCode);
                _sessionId.TrySetResult(response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.First() : null);
                await using var body = await response.Content.ReadAsStreamAsync(closed);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(closed))
                {
                    if (item.EventId is { Length: > 0 } eventId)
                    {
                        _lastEventId = eventId;
                        _firstEventId.TrySetResult(eventId);
                    }

                    // A priming event carries only an id.
                    if (!string.IsNullOrWhiteSpace(item.Data) && JsonNode.Parse(item.Data) is JsonObject message)
                    {
                        await _messages.Writer.WriteAsync(message, closed);
                    }
                }

                _messages.Writer.TryComplete();
                _ended.TrySetResult();
                _firstEventId.TrySetException(new InvalidOperationException("The stream ended without an event id: it cannot be resumed."));
            }
            catch (Exception ex)
            {
                _status.TrySetException(ex);
                _sessionId.TrySetException(ex);
                _firstEventId.TrySetException(ex);
                _messages.Writer.TryComplete(ex);
                _ended.TrySetException(ex);
            }
        }
    }
}
