using System.Collections.Concurrent;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The ids of the agents' Streamable HTTP sessions open on this instance, from the SDK making one until it ends.
/// The SDK answers a DELETE of an id it does not know with 200 as if it had ended a session; this is what lets the
/// gateway answer 404 instead, as MCP requires of a session that is gone.
/// </summary>
internal sealed class LiveSessionIds
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public void Add(string sessionId) => _ids.TryAdd(sessionId, 0);

    public void Remove(string sessionId) => _ids.TryRemove(sessionId, out _);

    public bool Contains(string sessionId) => _ids.ContainsKey(sessionId);
}
