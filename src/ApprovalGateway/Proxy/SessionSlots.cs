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
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perAgent = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>A slot for one more session of <paramref name="agent"/>, to dispose when that session ends.</summary>
    public bool TryTake(string agent, out Slot slot, out SessionRefusal refusal)
    {
        var limits = options.Value;
        lock (_lock)
        {
            var mine = _perAgent.GetValueOrDefault(agent);
            if (mine >= limits.MaxSessionsPerAgent)
            {
                (slot, refusal) = (null!, new SessionRefusal(
                    StatusCodes.Status429TooManyRequests,
                    "agent_limit",
                    $"Agent '{agent}' already has {mine} open MCP sessions, the most Gateway:MaxSessionsPerAgent allows. Close the " +
                    $"sessions it no longer uses (DELETE {limits.McpPath}) or let idle ones expire (Gateway:SessionIdleTimeout)."));
            }
            else if (_total >= limits.MaxSessions)
            {
                (slot, refusal) = (null!, new SessionRefusal(
                    StatusCodes.Status503ServiceUnavailable,
                    "instance_limit",
                    $"The gateway already has {_total} open MCP sessions, the most Gateway:MaxSessions allows. Try again once some close."));
            }
            else
            {
                _perAgent[agent] = mine + 1;
                _total++;
                (slot, refusal) = (new Slot(this, agent), default);
                metrics.SessionOpened(agent);
                return true;
            }
        }

        metrics.SessionRefused(agent, refusal.Limit);
        return false;
    }

    private void Release(string agent)
    {
        lock (_lock)
        {
            _total--;
            if (--_perAgent[agent] == 0)
            {
                _perAgent.Remove(agent);
            }
        }

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

/// <summary>Why a new session was refused: the HTTP status, the limit's metric label and the agent's message.</summary>
internal readonly record struct SessionRefusal(int StatusCode, string Limit, string Message);
