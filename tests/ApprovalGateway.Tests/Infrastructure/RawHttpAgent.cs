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
    private string? _sessionId;
    private int _lastId;

    private RawHttpAgent(Uri endpoint) => _endpoint = endpoint;

    public static async Task<RawHttpAgent> ConnectAsync(Uri endpoint, string capabilities)
    {
        var agent = new RawHttpAgent(endpoint);
        var initialize = agent.Call("initialize", new JsonObject
        {
            ["protocolVersion"] = "2025-11-25",
            ["capabilities"] = JsonNode.Parse(capabilities),
            ["clientInfo"] = new JsonObject { ["name"] = "raw-http-agent", ["version"] = "1.0" },
        });
        await initialize.NextAsync(m => m["result"] is not null);
        agent._sessionId = initialize.SessionId;
        await agent.SendAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        return agent;
    }

    /// <summary>Posts a request; its answer stream is read from here on.</summary>
    public AnswerStream Call(string method, JsonObject parameters)
    {
        var id = ++_lastId;
        return new(id, _http, Post(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }), _closed.Token);
    }

    /// <summary>Cancels the request of <paramref name="call"/>, as MCP's <c>notifications/cancelled</c> does.</summary>
    public Task CancelAsync(AnswerStream call) => SendAsync(new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["method"] = "notifications/cancelled",
        ["params"] = new JsonObject { ["requestId"] = call.Id, ["reason"] = "the test is done" },
    });

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
            post.Headers.Add("MCP-Protocol-Version", "2025-11-25");
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

    /// <summary>The SSE answer to one POST, read as it comes.</summary>
    public sealed class AnswerStream
    {
        private readonly Channel<JsonObject> _messages = Channel.CreateUnbounded<JsonObject>();
        private readonly TaskCompletionSource<string?> _sessionId = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AnswerStream(int id, HttpClient http, HttpRequestMessage post, CancellationToken closed)
        {
            Id = id;
            _ = ReadAsync(http, post, closed);
        }

        public int Id { get; }

        public string? SessionId => _sessionId.Task.IsCompletedSuccessfully ? _sessionId.Task.Result : null;

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

        private async Task ReadAsync(HttpClient http, HttpRequestMessage post, CancellationToken closed)
        {
            try
            {
                using var response = await http.SendAsync(post, HttpCompletionOption.ResponseHeadersRead, closed);
                _sessionId.TrySetResult(response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.First() : null);
                await using var body = await response.Content.ReadAsStreamAsync(closed);
                await foreach (var item in SseParser.Create(body).EnumerateAsync(closed))
                {
                    if (JsonNode.Parse(item.Data) is JsonObject message)
                    {
                        await _messages.Writer.WriteAsync(message, closed);
                    }
                }

                _messages.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _sessionId.TrySetException(ex);
                _messages.Writer.TryComplete(ex);
            }
        }
    }
}
