using System.Collections.Concurrent;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The agents' Streamable HTTP sessions open on this instance, by id, from the SDK making one until it ends. The SDK
/// answers a DELETE of an id it does not know with 200 as if it had ended a session; this is what lets the gateway
/// answer 404 instead, as MCP requires of a session that is gone, and tell a session the agent is ending it.
/// </summary>
internal sealed class LiveSessionIds
{
    private readonly ConcurrentDictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);

    public void Add(GatewaySession session) => _sessions.TryAdd(session.Identity.SessionId, session);

    public void Remove(string sessionId) => _sessions.TryRemove(sessionId, out _);

    public GatewaySession? Find(string sessionId) => _sessions.GetValueOrDefault(sessionId);
}
