using System.Collections.Concurrent;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The sessions whose one GET stream (what the gateway sends the agent unasked) an agent has open now, and the SDK's
/// GET of each session that the gateway holds for the agent's later GETs.
/// </summary>
internal sealed class OpenGetStreams
{
    private readonly ConcurrentDictionary<string, byte> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HeldGetStream> _held = new(StringComparer.Ordinal);

    /// <summary>Claims the session's GET stream for a request; false while another request holds it.</summary>
    public bool TryOpen(string sessionId) => _open.TryAdd(sessionId, 0);

    public void Close(string sessionId) => _open.TryRemove(sessionId, out _);

    /// <summary>Whether an agent has the session's GET stream open now: what the gateway sends it unasked reaches it.</summary>
    public bool IsOpen(string sessionId) => _open.ContainsKey(sessionId);

    public void Hold(string sessionId, HeldGetStream stream) => _held[sessionId] = stream;

    public void Release(string sessionId, HeldGetStream stream) => _held.TryRemove(new KeyValuePair<string, HeldGetStream>(sessionId, stream));

    /// <summary>The SDK's GET of the session, while it serves the session's stream through the gateway.</summary>
    public HeldGetStream? Held(string sessionId) => _held.GetValueOrDefault(sessionId) is { IsServing: true } held ? held : null;
}
