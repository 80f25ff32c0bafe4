using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// For one Streamable HTTP upstream session: the agent's request (<see cref="UpstreamClientRole.Origin"/>) behind each
/// POST on whose answer stream the upstream sent a request of its own, noted while that stream is read and taken when
/// the request is answered.
/// </summary>
internal sealed class ServerRequestOrigins
{
    private readonly ConcurrentDictionary<RequestId, object> _origins = new();

    public void Note(RequestId request, object origin) => _origins[request] = origin;

    public object? Take(RequestId request) => _origins.TryRemove(request, out var origin) ? origin : null;
}
