using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The client's part of one agent session's upstream session, which the gateway plays with the agent's own JSON
/// rather than through the SDK's typed client: its models fill schema defaults into elicitation answers, encode
/// sampled images twice and drop fields they do not know. What the upstream asks its client (sampling, elicitation,
/// roots, anything else) goes to <paramref name="answer"/>, with the agent's request it belongs to when that is known,
/// and comes back as the agent's result or error; the upstream's errors are kept whole for the agent, <c>data</c>
/// included, which the SDK's exceptions leave out.
/// </summary>
/// <param name="capabilities">
/// What the agent declared in its <c>initialize</c>, sent upstream as it is: the SDK's typed capabilities have no
/// <c>tasks</c>, and servers offer some tools only to clients that declare it.
/// </param>
/// <param name="notify">
/// Passes the upstream's notifications on to the agent, one at a time in the order the upstream sent them (see
/// <see cref="NotifyAsync"/>); it picks which ones.
/// </param>
internal sealed class UpstreamClientRole(
    JsonObject? capabilities,
    Func<JsonRpcRequest, object?, ClientRequestWithdrawal, Task<JsonRpcMessageWithId>> answer,
    Func<JsonRpcNotification, CancellationToken, ValueTask>? notify = null)
{
    private static readonly AsyncLocal<object?> s_origin = new();

    private readonly ConcurrentDictionary<RequestId, Forwarding> _forwarding = new();
    private readonly ConcurrentDictionary<string, Forwarding> _byProgressToken = new(StringComparer.Ordinal);
    private long _lastOrder;

    /// <summary>
    /// The agent's request this async flow handles, as the agent's side names it (opaque here). The gateway's requests to
    /// upstreams made in the flow are taken to be for it, and so are the requests the upstreams send back about them.
    /// </summary>
    public static object? Origin
    {
        get => s_origin.Value;
        set => s_origin.Value = value;
    }

    /// <summary>A copy of the capabilities the agent declared, for one <c>initialize</c>.</summary>
    public JsonObject Capabilities() => capabilities?.DeepClone().AsObject() ?? [];

    /// <summary>
    /// The answer to <paramref name="request"/>, a request from the upstream, with its id. <paramref name="origin"/> is
    /// the agent's request it came with (Streamable HTTP sends it on that request's stream), else the newest of the
    /// agent's requests waiting on this upstream: over stdio nothing says which, and that is the likeliest.
    /// <paramref name="withdrawal"/> says when the upstream withdraws it, and why.
    /// </summary>
    public Task<JsonRpcMessageWithId> AnswerAsync(JsonRpcRequest request, object? origin, ClientRequestWithdrawal withdrawal) =>
        answer(request, origin ?? NewestOrigin(), withdrawal);

    /// <summary>
    /// Passes <paramref name="notification"/> from the upstream on. The session calls this for each in turn, awaiting
    /// the one before: the SDK's client runs each message's handlers on their own, so relayed from there progress went
    /// backwards and a task's status came after a later one.
    /// </summary>
    public ValueTask NotifyAsync(JsonRpcNotification notification, CancellationToken cancellationToken) =>
        notify?.Invoke(notification, cancellationToken) ?? ValueTask.CompletedTask;

    /// <summary>
    /// Follows the gateway's request <paramref name="id"/> to the upstream, made for <see cref="Origin"/>, until disposed;
    /// with <paramref name="progressToken"/> (as JSON), the progress the upstream reports on it too.
    /// </summary>
    public Forwarding Forward(RequestId id, string? progressToken = null)
    {
        var forwarding = new Forwarding(this, id, progressToken, Origin, Interlocked.Increment(ref _lastOrder));
        _forwarding[id] = forwarding;
        if (progressToken is not null)
        {
            _byProgressToken[progressToken] = forwarding;
        }

        return forwarding;
    }

    /// <summary>
    /// A progress notification for <paramref name="progressToken"/> came from the upstream; called in the order its
    /// messages come, so before the SDK's client reads the answer that follows it.
    /// </summary>
    public void ProgressArrived(string progressToken)
    {
        if (_byProgressToken.TryGetValue(progressToken, out var forwarding))
        {
            forwarding.ProgressArrived();
        }
    }

    /// <summary>A progress notification for <paramref name="progressToken"/> was passed on to the agent (or could not be).</summary>
    public void ProgressRelayed(string progressToken)
    {
        if (_byProgressToken.TryGetValue(progressToken, out var forwarding))
        {
            forwarding.ProgressRelayed();
        }
    }

    /// <summary>Keeps the error the upstream answered a followed request with; called before the SDK's client reads it.</summary>
    public void Received(JsonRpcError error)
    {
        if (_forwarding.TryGetValue(error.Id, out var forwarding))
        {
            forwarding.Error = error.Error;
        }
    }

    private object? NewestOrigin() => _forwarding.Values.Where(f => f.Origin is not null).MaxBy(f => f.Order)?.Origin;

    /// <summary>One of the gateway's requests to the upstream, while it waits for the answer.</summary>
    public sealed class Forwarding(UpstreamClientRole role, RequestId id, string? progressToken, object? origin, long order) : IDisposable
    {
        private readonly Lock _gate = new();
        private int _progressInFlight;
        private TaskCompletionSource? _progressDrained;

        public object? Origin => origin;

        public long Order => order;

        /// <summary>The upstream's error as it sent it, once it has answered with one.</summary>
        public JsonRpcErrorDetail? Error { get; internal set; }

        internal void ProgressArrived()
        {
            lock (_gate)
            {
                _progressInFlight++;
            }
        }

        internal void ProgressRelayed()
        {
            TaskCompletionSource? drained = null;
            lock (_gate)
            {
                if (_progressInFlight > 0 && --_progressInFlight == 0)
                {
                    (drained, _progressDrained) = (_progressDrained, null);
                }
            }

            drained?.TrySetResult();
        }

        /// <summary>
        /// Waits until the progress the upstream reported before its answer has been passed on to the agent. The SDK's
        /// client handles each message on its own, so the answer can overtake the last progress notification, and the
        /// agent's stream for the request ends with its answer: clients drop progress that comes after it. At most
        /// <paramref name="limit"/>, since a notification the relay never got to must not hold the answer.
        /// </summary>
        public async Task ProgressRelayedAsync(TimeSpan limit)
        {
            Task drained;
            lock (_gate)
            {
                if (_progressInFlight == 0)
                {
                    return;
                }

                drained = (_progressDrained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            try
            {
                await drained.WaitAsync(limit);
            }
            catch (TimeoutException)
            {
                // The answer goes on without it.
            }
        }

        public void Dispose()
        {
            role._forwarding.TryRemove(id, out _);
            if (progressToken is not null)
            {
                role._byProgressToken.TryRemove(new KeyValuePair<string, Forwarding>(progressToken, this));
            }
        }
    }
}
