using System.Collections.Concurrent;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Keeps agents' event streams from looking dead to what sits between agent and gateway. A held call's stream, or a
/// session's GET stream, can carry nothing for minutes, and reverse proxies and load balancers close a response that is
/// idle for a minute or so (nginx's <c>proxy_read_timeout</c>, an AWS ALB's idle timeout). One timer for the whole
/// gateway writes an SSE comment to each stream that was silent for <c>Gateway:EventStreamKeepalive</c>.
/// </summary>
internal sealed class EventStreamKeepalive : IDisposable
{
    private readonly ConcurrentDictionary<KeepaliveBody, byte> _bodies = new();
    private readonly ITimer? _timer;

    public EventStreamKeepalive(IOptions<GatewayOptions> options, TimeProvider time)
    {
        var interval = options.Value.EventStreamKeepalive;
        if (interval > TimeSpan.Zero)
        {
            // Looking every half interval, and writing where nothing was written since the last look, keeps each
            // stream's silences under the interval without a timer per stream.
            _timer = time.CreateTimer(_ => Tick(), null, interval / 2, interval / 2);
        }
    }

    public bool Enabled => _timer is not null;

    /// <summary>Puts a <see cref="KeepaliveBody"/> in front of the request's response body until <see cref="ForgetAsync"/>.</summary>
    public KeepaliveBody Watch(HttpContext context)
    {
        var body = new KeepaliveBody(context.Response.Body, context.Response, context.RequestAborted);
        context.Response.Body = body;
        context.Features.Set(body);
        _bodies.TryAdd(body, 0);
        return body;
    }

    public Task ForgetAsync(KeepaliveBody body)
    {
        _bodies.TryRemove(body, out _);
        return body.CloseAsync();
    }

    private void Tick()
    {
        foreach (var body in _bodies.Keys)
        {
            body.Tick();
        }
    }

    public void Dispose() => _timer?.Dispose();
}
