using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Slack;

/// <summary>
/// A Slack-compatible server on 127.0.0.1 (real Kestrel, port 0): chat.postMessage (with message metadata),
/// chat.update, conversations.history (paged, metadata on request), apps.connections.open with a Socket Mode
/// WebSocket, and a response_url receiver. It checks Bearer tokens, records every request, can fail the next calls
/// or lose their answers on demand, and sends correctly signed button clicks to a gateway, as Slack would.
/// Every wait has a guard timeout so a broken test fails with a message instead of hanging.
/// </summary>
public sealed class FakeSlackServer : IAsyncDisposable
{
    public const string BotToken = "xoxb-fake-bot-token";
    public const string AppToken = "xapp-fake-app-token";
    public const string SigningSecret = "fake-signing-secret-0123456789abcdef";
    public const string Channel = "C0APPROVALS";
    public const string ResponseUrlMethod = "response_url";

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private readonly Lock gate = new();
    private readonly List<FakeSlackRequest> requests = [];
    private readonly List<FakeSlackMessage> messages = [];
    private readonly Queue<Func<HttpContext, Task>> faults = new();
    private readonly Queue<Func<HttpContext, Task>> lostAnswers = new();
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> waiters = [];
    private readonly List<string> acks = [];
    private readonly HttpClient http = new();
    private readonly WebApplication app;
    private WebSocket? socket;
    private int socketConnections;
    private int nextTs = 100;

    private FakeSlackServer(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Use as <c>Slack:ApiBaseUrl</c>.</summary>
    public Uri ApiBaseUrl => new(BaseUrl, "api/");

    /// <summary>The response_url put into clicks; what the gateway posts there is recorded as method <see cref="ResponseUrlMethod"/>.</summary>
    public Uri ResponseUrl => new(BaseUrl, "response/T0FAKE/1/abc");

    public IReadOnlyList<FakeSlackRequest> Requests
    {
        get { lock (gate) { return [.. requests]; } }
    }

    public IReadOnlyList<FakeSlackMessage> Messages
    {
        get { lock (gate) { return [.. messages]; } }
    }

    /// <summary>When set, conversations.history answers this error, as Slack does for an app without <c>channels:history</c>.</summary>
    public string? HistoryError { get; set; }

    public int SocketConnections
    {
        get { lock (gate) { return socketConnections; } }
    }

    public static async Task<FakeSlackServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeSlackServer(app);
        app.UseWebSockets();
        app.MapMethods("/api/{method}", ["GET", "POST"], (HttpContext context, string method) => server.HandleApiAsync(context, method));
        app.MapPost("/response/{**rest}", server.HandleResponseUrlAsync);
        app.Map("/socket/{n}", server.HandleSocketAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Gateway configuration pointing at this server; Socket Mode when <paramref name="socketMode"/>.</summary>
    public Dictionary<string, string?> GatewaySettings(bool socketMode = false) => new()
    {
        ["Slack:BotToken"] = BotToken,
        ["Slack:SigningSecret"] = SigningSecret,
        ["Slack:Channel"] = Channel,
        ["Slack:ApiBaseUrl"] = ApiBaseUrl.ToString(),
        ["Slack:AppToken"] = socketMode ? AppToken : null,
    };

    /// <summary>The next <paramref name="count"/> API calls answer HTTP <paramref name="status"/>.</summary>
    public void FailNext(int count, HttpStatusCode status = HttpStatusCode.InternalServerError) =>
        Enqueue(count, context =>
        {
            context.Response.StatusCode = (int)status;
            return Task.CompletedTask;
        });

    /// <summary>
    /// Holds the next API call without an answer until its caller goes away; the task completes once it is held.
    /// </summary>
    public Task HoldNext()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(1, async context =>
        {
            held.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        });
        return held.Task;
    }

    /// <summary>
    /// The next API call is carried out (a message is posted), but its answer never reaches the caller: the connection
    /// is reset, as when a network drops Slack's answer.
    /// </summary>
    public void LoseAnswerNext()
    {
        lock (gate)
        {
            lostAnswers.Enqueue(context =>
            {
                context.Abort();
                return Task.CompletedTask;
            });
        }
    }

    /// <summary>
    /// The next API call is carried out, then its answer is held until its caller goes away; the task completes once
    /// it is held.
    /// </summary>
    public Task HoldAnswerNext()
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            lostAnswers.Enqueue(async context =>
            {
                held.TrySetResult();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            });
        }

        return held.Task;
    }

    /// <summary>The next <paramref name="count"/> API calls answer 429 with <c>Retry-After</c>.</summary>
    public void RateLimitNext(int count, TimeSpan retryAfter) =>
        Enqueue(count, context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });

    /// <summary>The next <paramref name="count"/> API calls answer HTTP 200 <c>{"ok":false,"error":…}</c>.</summary>
    public void ErrorNext(int count, string error) =>
        Enqueue(count, context => context.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = false, ["error"] = error }));

    /// <summary>Waits until <paramref name="count"/> requests to <paramref name="method"/> (matching, when given) were received.</summary>
    public async Task<IReadOnlyList<FakeSlackRequest>> WaitForRequestsAsync(string method, int count, Func<FakeSlackRequest, bool>? match = null)
    {
        IReadOnlyList<FakeSlackRequest> Matching() => [.. Requests.Where(r => r.Method == method && (match?.Invoke(r) ?? true))];
        await WaitUntilAsync(() => Matching().Count >= count, $"{count} {method} request(s)");
        return Matching();
    }

    public async Task<FakeSlackRequest> WaitForRequestAsync(string method, Func<FakeSlackRequest, bool>? match = null) =>
        (await WaitForRequestsAsync(method, 1, match))[0];

    /// <summary>
    /// Waits for a successful post of a message, and returns it as it stands now; <paramref name="guard"/> (default
    /// 20 s) only keeps a broken run from hanging.
    /// </summary>
    public async Task<FakeSlackMessage> WaitForMessageAsync(Func<FakeSlackMessage, bool>? match = null, TimeSpan? guard = null)
    {
        await WaitUntilAsync(() => Messages.Any(m => match?.Invoke(m) ?? true), "a posted message", guard);
        return Messages.First(m => match?.Invoke(m) ?? true);
    }

    /// <summary>Waits until a socket has connected <paramref name="count"/> times in all.</summary>
    public Task WaitForSocketConnectionAsync(int count = 1) =>
        WaitUntilAsync(() => SocketConnections >= count, $"{count} Socket Mode connection(s)");

    /// <summary>Sends an <c>interactive</c> envelope over the open socket; returns its envelope id.</summary>
    public async Task<string> SendInteractiveAsync(string payloadJson)
    {
        var envelopeId = Guid.NewGuid().ToString("N");
        await SendToSocketAsync(new JsonObject
        {
            ["envelope_id"] = envelopeId,
            ["type"] = "interactive",
            ["payload"] = JsonNode.Parse(payloadJson),
            ["accepts_response_payload"] = false,
        });
        return envelopeId;
    }

    public Task WaitForAckAsync(string envelopeId) =>
        WaitUntilAsync(() => { lock (gate) { return acks.Contains(envelopeId); } }, $"the ack of envelope {envelopeId}");

    /// <summary>Asks the client to reconnect, as Slack does before it rotates a connection.</summary>
    public Task RequestDisconnectAsync(string reason = "refresh_requested") =>
        SendToSocketAsync(new JsonObject { ["type"] = "disconnect", ["reason"] = reason });

    /// <summary>The JSON Slack puts in the <c>payload</c> field when <paramref name="user"/> clicks a prompt button.</summary>
    public string BlockActionsPayload(SlackUser user, string actionId, string approvalId, string? actionTs = null) =>
        new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = user.Id, ["username"] = user.Username, ["name"] = user.Username, ["team_id"] = "T0FAKE" },
            ["team"] = new JsonObject { ["id"] = "T0FAKE", ["domain"] = "fake" },
            ["api_app_id"] = "A0FAKE",
            ["trigger_id"] = "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = "1712345678.000100", ["channel_id"] = Channel },
            ["channel"] = new JsonObject { ["id"] = Channel, ["name"] = "approvals" },
            ["response_url"] = ResponseUrl.ToString(),
            ["actions"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "button",
                    ["action_id"] = actionId,
                    ["block_id"] = "approval_actions",
                    ["value"] = approvalId,
                    ["action_ts"] = actionTs ?? $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Guid.NewGuid().ToString("N")[..6]}",
                },
            },
        }.ToJsonString();

    /// <summary>
    /// POSTs a signed <c>block_actions</c> click to <paramref name="interactionsUrl"/> with real form encoding.
    /// Pass <paramref name="signingSecret"/> to forge, <paramref name="timestamp"/> to replay an old request,
    /// and the same <paramref name="actionTs"/> twice to imitate Slack redelivering one click.
    /// </summary>
    public async Task<HttpResponseMessage> ClickAsync(
        Uri interactionsUrl,
        SlackUser user,
        string actionId,
        string approvalId,
        string? actionTs = null,
        string signingSecret = SigningSecret,
        DateTimeOffset? timestamp = null)
    {
        using var form = new FormUrlEncodedContent([new("payload", BlockActionsPayload(user, actionId, approvalId, actionTs))]);
        var body = await form.ReadAsByteArrayAsync();
        var stamp = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, interactionsUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        request.Headers.Add("X-Slack-Request-Timestamp", stamp);
        request.Headers.Add("X-Slack-Signature", Sign(signingSecret, stamp, body));
        return await http.SendAsync(request);
    }

    /// <summary>Slack's v0 signature, computed independently of the gateway's verifier.</summary>
    public static string Sign(string secret, string timestamp, byte[] body)
    {
        var signed = Encoding.UTF8.GetBytes($"v0:{timestamp}:").Concat(body).ToArray();
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    public async ValueTask DisposeAsync()
    {
        socket?.Abort();
        await app.StopAsync();
        await app.DisposeAsync();
        http.Dispose();
    }

    private void Enqueue(int count, Func<HttpContext, Task> fault)
    {
        lock (gate)
        {
            for (var i = 0; i < count; i++)
            {
                faults.Enqueue(fault);
            }
        }
    }

    private async Task HandleApiAsync(HttpContext context, string method)
    {
        var body = HttpMethods.IsGet(context.Request.Method)
            ? new JsonObject(context.Request.Query.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)JsonValue.Create(q.Value.ToString()))))
            : await ReadJsonAsync(context.Request);
        var token = context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
            ? auth["Bearer ".Length..]
            : null;

        Func<HttpContext, Task>? fault;
        lock (gate)
        {
            faults.TryDequeue(out fault);
        }

        if (fault is not null)
        {
            await fault(context);
            Record(new FakeSlackRequest(method, token, body, context.Response.StatusCode, Ok: false));
            return;
        }

        var expectedToken = method == "apps.connections.open" ? AppToken : BotToken;
        var answer = token is null ? Error("not_authed")
            : token != expectedToken ? Error("invalid_auth")
            : method switch
            {
                "chat.postMessage" => PostMessage(body),
                "chat.update" => UpdateMessage(body),
                "conversations.history" => HistoryError is { } error ? Error(error) : History(body),
                "apps.connections.open" => new JsonObject { ["ok"] = true, ["url"] = new Uri(BaseUrl, $"socket/{Interlocked.Increment(ref nextTs)}").ToString().Replace("http://", "ws://", StringComparison.Ordinal) },
                _ => Error("unknown_method"),
            };
        Func<HttpContext, Task>? lost;
        lock (gate)
        {
            lostAnswers.TryDequeue(out lost);
        }

        if (lost is not null)
        {
            Record(new FakeSlackRequest(method, token, body, StatusCode: 0, Ok: false));
            await lost(context);
            return;
        }

        await context.Response.WriteAsJsonAsync(answer);
        Record(new FakeSlackRequest(method, token, body, StatusCodes.Status200OK, Ok: (bool?)answer["ok"] == true));
    }

    private JsonObject PostMessage(JsonObject body)
    {
        if (body["channel"]?.GetValue<string>() is not { Length: > 0 } channel)
        {
            return Error("channel_not_found");
        }

        if (body["text"] is null && body["blocks"] is null)
        {
            return Error("no_text");
        }

        // Slack's ts is its clock's Unix time, unique per channel; conversations.history's oldest compares against it.
        var ts = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Interlocked.Increment(ref nextTs):000000}";
        lock (gate)
        {
            messages.Add(new FakeSlackMessage(channel, ts, (string?)body["text"] ?? "", body["blocks"]?.AsArray().DeepClone().AsArray() ?? [], Updates: 0)
            {
                Metadata = body["metadata"]?.DeepClone().AsObject(),
            });
        }

        return new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = ts, ["message"] = new JsonObject { ["text"] = (string?)body["text"] } };
    }

    private JsonObject UpdateMessage(JsonObject body)
    {
        var channel = (string?)body["channel"];
        var ts = (string?)body["ts"];
        lock (gate)
        {
            var index = messages.FindIndex(m => m.Channel == channel && m.Ts == ts);
            if (index < 0)
            {
                return Error("message_not_found");
            }

            var old = messages[index];
            messages[index] = old with
            {
                Text = (string?)body["text"] ?? old.Text,
                Blocks = body["blocks"]?.AsArray().DeepClone().AsArray() ?? old.Blocks,
                Updates = old.Updates + 1,
            };
        }

        return new JsonObject { ["ok"] = true, ["channel"] = channel, ["ts"] = ts };
    }

    /// <summary>Newest first, as Slack pages it: <c>oldest</c> (exclusive), <c>limit</c>, <c>cursor</c>, <c>include_all_metadata</c>.</summary>
    private JsonObject History(JsonObject query)
    {
        var channel = (string?)query["channel"];
        var oldest = decimal.Parse((string?)query["oldest"] ?? "0", CultureInfo.InvariantCulture);
        var limit = int.Parse((string?)query["limit"] ?? "100", CultureInfo.InvariantCulture);
        var skip = int.Parse((string?)query["cursor"] ?? "0", CultureInfo.InvariantCulture);
        var withMetadata = (string?)query["include_all_metadata"] == "true";
        List<FakeSlackMessage> found;
        lock (gate)
        {
            found = [.. messages.Where(m => m.Channel == channel && decimal.Parse(m.Ts, CultureInfo.InvariantCulture) > oldest).Reverse()];
        }

        var page = new JsonArray();
        foreach (var message in found.Skip(skip).Take(limit))
        {
            var item = new JsonObject { ["type"] = "message", ["ts"] = message.Ts, ["text"] = message.Text, ["bot_id"] = "B0FAKE" };
            if (withMetadata && message.Metadata is not null)
            {
                item["metadata"] = message.Metadata.DeepClone();
            }

            page.Add(item);
        }

        var more = skip + limit < found.Count;
        return new JsonObject
        {
            ["ok"] = true,
            ["messages"] = page,
            ["has_more"] = more,
            ["response_metadata"] = new JsonObject { ["next_cursor"] = more ? (skip + limit).ToString(CultureInfo.InvariantCulture) : "" },
        };
    }

    private async Task HandleResponseUrlAsync(HttpContext context)
    {
        var body = await ReadJsonAsync(context.Request);
        await context.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true });
        Record(new FakeSlackRequest(ResponseUrlMethod, null, body, StatusCodes.Status200OK, Ok: true));
    }

    private async Task HandleSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var accepted = await context.WebSockets.AcceptWebSocketAsync();
        lock (gate)
        {
            socket = accepted;
        }

        await SendToSocketAsync(new JsonObject { ["type"] = "hello", ["num_connections"] = 1 });
        lock (gate)
        {
            socketConnections++;
        }

        Signal();
        var buffer = new byte[64 * 1024];
        try
        {
            while (accepted.State == WebSocketState.Open)
            {
                var received = await accepted.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await accepted.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    break;
                }

                var ack = JsonNode.Parse(buffer.AsSpan(0, received.Count))?["envelope_id"]?.GetValue<string>();
                if (ack is not null)
                {
                    lock (gate)
                    {
                        acks.Add(ack);
                    }

                    Signal();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away; the next connection replaces this one.
        }
    }

    private async Task SendToSocketAsync(JsonObject message)
    {
        WebSocket? current;
        lock (gate)
        {
            current = socket;
        }

        if (current is null)
        {
            throw new InvalidOperationException("No Socket Mode client is connected; await WaitForSocketConnectionAsync first.");
        }

        await current.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        return string.IsNullOrWhiteSpace(text) ? [] : JsonNode.Parse(text) as JsonObject ?? [];
    }

    private static JsonObject Error(string error) => new() { ["ok"] = false, ["error"] = error };

    private void Record(FakeSlackRequest request)
    {
        lock (gate)
        {
            requests.Add(request);
        }

        Signal();
    }

    private async Task WaitUntilAsync(Func<bool> done, string what, TimeSpan? guard = null)
    {
        var within = guard ?? Guard;
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiters.Add((done, signal));
        }

        Signal();
        try
        {
            await signal.Task.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            var seen = string.Join(", ", Requests.Select(r => $"{r.Method}:{r.StatusCode}{(r.Ok ? "" : " (failed)")}"));
            throw new TimeoutException($"The fake Slack did not see {what} within {within.TotalSeconds} s. Requests so far: [{seen}]");
        }
    }

    private void Signal()
    {
        List<(Func<bool> Done, TaskCompletionSource Signal)> ready;
        lock (gate)
        {
            ready = [.. waiters];
        }

        foreach (var waiter in ready)
        {
            if (waiter.Done())
            {
                lock (gate)
                {
                    waiters.Remove(waiter);
                }

                waiter.Signal.TrySetResult();
            }
        }
    }
}
