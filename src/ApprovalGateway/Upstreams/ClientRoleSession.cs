using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// One upstream session with the SDK's client on top and the gateway beside it: requests the upstream sends its client
/// are taken out of what the SDK reads and answered through the <see cref="UpstreamClientRole"/> (the SDK's client has
/// no raw request handlers, only typed ones); everything else passes through unchanged.
/// </summary>
internal sealed class ClientRoleSession : ITransport
{
    private readonly string _upstream;
    private readonly ITransport _inner;
    private readonly UpstreamClientRole _role;
    private readonly ServerRequestOrigins? _origins;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<RequestId, ClientRequestWithdrawal> _answering = new();
    private readonly CancellationTokenSource _closed = new();

    /// <summary>The notifications passed on so far, the newest last; only the SDK's reading loop touches it.</summary>
    private Task _notified = Task.CompletedTask;

    public ClientRoleSession(string upstream, ITransport inner, UpstreamClientRole role, ServerRequestOrigins? origins, ILogger logger)
    {
        (_upstream, _inner, _role, _origins, _logger) = (upstream, inner, role, origins, logger);
        MessageReader = new PassingReader(inner.MessageReader, this);
    }

    public string? SessionId => _inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader { get; }

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (message is JsonRpcRequest { Method: RequestMethods.Initialize, Params: JsonObject initialize })
        {
            initialize["capabilities"] = _role.Capabilities();
        }

        return _inner.SendMessageAsync(message, cancellationToken);
    }

    /// <summary>Whether the gateway handles <paramref name="message"/> itself, so the SDK's client never sees it.</summary>
    private bool TakeOver(JsonRpcMessage message)
    {
        switch (message)
        {
            // The SDK's own ping answer is as good as the agent's, and needs no round trip.
            case JsonRpcRequest request when request.Method != RequestMethods.Ping:
                _ = AnswerAsync(request, _origins?.Take(request.Id));
                return true;
            case JsonRpcNotification { Method: NotificationMethods.CancelledNotification } cancelled
                when CancelledParams(cancelled) is { } withdrawn && _answering.TryGetValue(withdrawn.RequestId, out var answering):
                answering.Withdraw(withdrawn.Reason);
                return false;
            case JsonRpcError error:
                _role.Received(error);
                return false;
            case JsonRpcNotification notification:
                if (notification is { Method: NotificationMethods.ProgressNotification, Params: JsonObject progress }
                    && progress["progressToken"] is { } token)
                {
                    _role.ProgressArrived(token.ToJsonString());
                }

                // Passed on here, in the order they came, rather than from the SDK's handlers, which run side by side.
                // The SDK's client still reads it (a progress notification restarts the request's timeout there).
                _notified = NotifyAfterAsync(_notified, notification);
                return false;
            default:
                return false;
        }
    }

    private async Task NotifyAfterAsync(Task previous, JsonRpcNotification notification)
    {
        await previous;
        try
        {
            await _role.NotifyAsync(notification, _closed.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_closed.IsCancellationRequested)
        {
            Log.NotificationToAgentFailed(_logger, notification.Method, _upstream, ex.Message);
        }
        catch (OperationCanceledException)
        {
            // The session closed: nobody is left to tell.
        }
    }

    private async Task AnswerAsync(JsonRpcRequest request, object? origin)
    {
        using var answering = new ClientRequestWithdrawal(_closed.Token);
        _answering[request.Id] = answering;
        JsonRpcMessageWithId answer;
        try
        {
            // Off the SDK's reading loop, which goes on with the upstream's other messages while the agent answers.
            await Task.Yield();
            answer = await _role.AnswerAsync(request, origin, answering);
        }
        catch (OperationCanceledException) when (answering.Token.IsCancellationRequested)
        {
            // The upstream withdrew the request (it expects no answer then), or the session closed.
            return;
        }
        catch (McpProtocolException ex)
        {
            answer = Error(request.Id, (int)ex.ErrorCode, ex.Message);
        }
        catch (Exception ex)
        {
            answer = Error(request.Id, (int)McpErrorCode.InternalError, $"The gateway could not pass {request.Method} on to the agent: {ex.Message}");
        }
        finally
        {
            _answering.TryRemove(request.Id, out _);
        }

        try
        {
            await _inner.SendMessageAsync(answer, _closed.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_closed.IsCancellationRequested)
        {
            Log.AnswerToUpstreamFailed(_logger, request.Method, _upstream, ex.Message);
        }
    }

    private static CancelledNotificationParams? CancelledParams(JsonRpcNotification notification)
    {
        try
        {
            return notification.Params?.Deserialize<CancelledNotificationParams>(McpJsonUtilities.DefaultOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonRpcError Error(RequestId id, int code, string message) =>
        new() { Id = id, Error = new JsonRpcErrorDetail { Code = code, Message = message } };

    public async ValueTask DisposeAsync()
    {
        await _closed.CancelAsync();
        await _inner.DisposeAsync();
    }

    /// <summary>
    /// What the SDK's client reads: the upstream's messages less those the gateway takes over. Taken in
    /// <see cref="TryRead"/>, so the SDK's reading loop drives it without a second loop or channel.
    /// </summary>
    private sealed class PassingReader(ChannelReader<JsonRpcMessage> inner, ClientRoleSession session) : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => inner.Completion;

        public override bool TryRead(out JsonRpcMessage item)
        {
            while (inner.TryRead(out item!))
            {
                if (!session.TakeOver(item))
                {
                    return true;
                }
            }

            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}
