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
internal sealed class UpstreamClientRole(
    JsonObject? capabilities, Func<JsonRpcRequest, object?, CancellationToken, Task<JsonRpcMessageWithId>> answer)
{
    private static readonly AsyncLocal<object?> s_origin = new();

    private readonly ConcurrentDictionary<RequestId, Forwarding> _forwarding = new();
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
    /// </summary>
    public Task<JsonRpcMessageWithId> AnswerAsync(JsonRpcRequest request, object? origin, CancellationToken cancellationToken) =>
        answer(request, origin ?? NewestOrigin(), cancellationToken);

    /// <summary>Follows the gateway's request <paramref name="id"/> to the upstream, made for <see cref="Origin"/>, until disposed.</summary>
    public Forwarding Forward(RequestId id)
    {
        var forwarding = new Forwarding(this, id, Origin, Interlocked.Increment(ref _lastOrder));
        _forwarding[id] = forwarding;
        return forwarding;
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
    public sealed class Forwarding(UpstreamClientRole role, RequestId id, object? origin, long order) : IDisposable
    {
        public object? Origin => origin;

        public long Order => order;

        /// <summary>The upstream's error as it sent it, once it has answered with one.</summary>
        public JsonRpcErrorDetail? Error { get; internal set; }

        public void Dispose() => role._forwarding.TryRemove(id, out _);
    }
}
