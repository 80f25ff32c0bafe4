using System.Collections.Concurrent;

namespace ApprovalGateway.Proxy;

/// <summary>The sessions whose one GET stream (what the gateway sends the agent unasked) an agent has open now.</summary>
internal sealed class OpenGetStreams
{
    private readonly ConcurrentDictionary<string, byte> _open = new(StringComparer.Ordinal);

    /// <summary>Claims the session's GET stream for a request; false while another request holds it.</summary>
    public bool TryOpen(string sessionId) => _open.TryAdd(sessionId, 0);

    public void Close(string sessionId) => _open.TryRemove(sessionId, out _);
}
