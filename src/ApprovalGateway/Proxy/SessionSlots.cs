using System.Diagnostics.CodeAnalysis;
using ApprovalGateway.Agents;
using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Counts the agents' open MCP sessions against <c>Gateway:MaxSessions</c> and <c>Gateway:MaxSessionsPerAgent</c>.
/// Each session keeps a session (for stdio, a process) on every upstream, so an agent that opens sessions in a loop
/// must meet a clear refusal before it takes the host down, and before it crowds out the other agents.
/// </summary>
internal sealed class SessionSlots(IOptions<GatewayOptions> options, GatewayMetrics metrics)
{
    private readonly AgentCounter _open = new();

    /// <summary>A slot for one more session of <paramref name="agent"/>, to dispose when that session ends.</summary>
    public bool TryTake(string agent, [NotNullWhen(true)] out Slot? slot, out SessionRefusal refusal)
    {
        var limits = options.Value;
        var result = _open.TryTake(agent, limits.MaxSessionsPerAgent, limits.MaxSessions, out var count);
        if (result == AgentCounter.Result.Taken)
        {
            (slot, refusal) = (new Slot(this, agent), default);
            metrics.SessionOpened(agent);
            return true;
        }

        slot = null;
        var retryAfter = RetryAfter(limits.SessionIdleTimeout);
        refusal = result == AgentCounter.Result.AgentAtLimit
            ? new SessionRefusal(
                StatusCodes.Status429TooManyRequests,
                "agent_limit",
                $"Agent '{agent}' already has {count} open MCP sessions, the most Gateway:MaxSessionsPerAgent allows. Close the " +
                $"sessions it no longer uses (DELETE {limits.McpPath}) or let idle ones expire (Gateway:SessionIdleTimeout).",
                retryAfter)
            : new SessionRefusal(
                StatusCodes.Status503ServiceUnavailable,
                "instance_limit",
                $"The gateway already has {count} open MCP sessions, the most Gateway:MaxSessions allows. Try again once some close.",
                retryAfter);
        metrics.SessionRefused(agent, refusal.Limit);
        return false;
    }

    /// <summary>
    /// When to try again: a place frees up when a session is closed or, at the latest for an idle one, after
    /// <c>Gateway:SessionIdleTimeout</c>, which no client should have to wait out in full. A minute (or the idle
    /// timeout, if shorter) turns a client that reconnects in a loop into one that asks once a minute.
    /// </summary>
    private static TimeSpan RetryAfter(TimeSpan idleTimeout) => idleTimeout < MaxRetryAfter ? idleTimeout : MaxRetryAfter;

    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(1);

    private void Release(string agent)
    {
        _open.Release(agent);
        metrics.SessionClosed(agent);
    }

    /// <summary>One counted session; disposing it more than once counts once.</summary>
    public sealed class Slot(SessionSlots owner, string agent) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(agent);
            }
        }
    }
}

/// <summary>Why a new session was refused: the HTTP status, the limit's metric label, the agent's message and when to try again.</summary>
internal readonly record struct SessionRefusal(int StatusCode, string Limit, string Message, TimeSpan RetryAfter);
