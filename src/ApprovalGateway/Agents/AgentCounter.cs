namespace ApprovalGateway.Agents;

/// <summary>
/// Counts what agents hold open (sessions, calls waiting for approval) under a limit per agent and one for all, so a
/// runaway agent meets a refusal before it crowds out the others.
/// </summary>
internal sealed class AgentCounter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perAgent = new(StringComparer.Ordinal);
    private int _total;
    private TaskCompletionSource? _empty;

    public enum Result
    {
        Taken,
        AgentAtLimit,
        AllAtLimit,
    }

    /// <summary>Counts one more for <paramref name="agent"/> unless a limit is reached; <paramref name="count"/> is the count that decided.</summary>
    public Result TryTake(string agent, int maxPerAgent, int maxInAll, out int count)
    {
        lock (_lock)
        {
            var mine = _perAgent.GetValueOrDefault(agent);
            if (mine >= maxPerAgent)
            {
                count = mine;
                return Result.AgentAtLimit;
            }

            if (_total >= maxInAll)
            {
                count = _total;
                return Result.AllAtLimit;
            }

            _perAgent[agent] = mine + 1;
            count = ++_total;
            return Result.Taken;
        }
    }

    public void Release(string agent)
    {
        lock (_lock)
        {
            _total--;
            if (--_perAgent[agent] == 0)
            {
                _perAgent.Remove(agent);
            }

            if (_total == 0)
            {
                _empty?.TrySetResult();
                _empty = null;
            }
        }
    }

    /// <summary>Completes once nothing is counted for any agent (at once when nothing is).</summary>
    public Task WhenEmpty()
    {
        lock (_lock)
        {
            return _total == 0
                ? Task.CompletedTask
                : (_empty ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }
}
