using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// Every gateway task, across sessions: tasks belong to the agent, so an agent that reconnects can still poll and
/// fetch them, and no other agent can. In memory; a finished task is dropped once its ttl has passed.
/// </summary>
internal sealed class TaskStore(IOptions<TaskOptions> options, TimeProvider time, ILogger<TaskStore> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, GatewayTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>Refuses a new task when the agent already has as many unfinished ones as allowed.</summary>
    public void EnsureCapacity(string agent)
    {
        Purge();
        var active = _tasks.Values.Count(t => t.Agent == agent && !t.IsTerminal);
        if (active >= options.Value.MaxActivePerAgent)
        {
            throw new McpProtocolException(
                $"Agent '{agent}' already has {active} unfinished tasks, the most the gateway allows; wait for one to finish or cancel one.",
                McpErrorCode.InvalidRequest);
        }
    }

    /// <param name="requestedTtl">The agent's <c>task.ttl</c> in milliseconds, if any.</param>
    public GatewayTask Create(SessionIdentity owner, long? requestedTtl, CancellationTokenSource cancellation)
    {
        var settings = options.Value;
        // Capped before it becomes a TimeSpan: an agent's ttl may be any number, and most overflow one.
        var ttl = requestedTtl is > 0
            ? TimeSpan.FromMilliseconds(Math.Min(requestedTtl.Value, (long)settings.MaxTtl.TotalMilliseconds))
            : settings.DefaultTtl;
        var id = TaskMethods.IdPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var task = new GatewayTask(id, owner.Agent, time.GetUtcNow(), ttl, settings.PollInterval, cancellation)
        {
            SessionId = owner.SessionId,
        };
        _tasks[id] = task;
        return task;
    }

    /// <summary>The agent's own task; an unknown, expired or another agent's task is the same "not found" to the caller.</summary>
    public GatewayTask Find(string agent, string? taskId)
    {
        Purge();
        if (taskId is not null && _tasks.TryGetValue(taskId, out var task) && task.Agent == agent)
        {
            return task;
        }

        Log.TaskNotFound(logger, agent, taskId ?? "(none)");
        throw new McpProtocolException("Failed to retrieve task: Task not found", McpErrorCode.InvalidParams);
    }

    /// <summary>
    /// The agent's tasks. Sessions without an agent key are refused <c>tasks/list</c> before this
    /// (<see cref="GatewayTasks.CanList"/>); should one get here, it still sees only the tasks it created, never
    /// another anonymous session's (MCP Tasks: no listing across requestors the receiver cannot tell apart).
    /// </summary>
    public IReadOnlyList<GatewayTask> List(SessionIdentity requestor)
    {
        Purge();
        return
        [
            .. _tasks.Values
                .Where(t => t.Agent == requestor.Agent && (requestor.Agent != AgentClaims.Anonymous || t.SessionId == requestor.SessionId))
                .OrderBy(t => t.CreatedAt)
                .ThenBy(t => t.Id, StringComparer.Ordinal),
        ];
    }

    private void Purge()
    {
        var now = time.GetUtcNow();
        foreach (var (id, task) in _tasks)
        {
            // A working task is never dropped: its held call is still bounded by the approval's own timeout.
            if (task.IsTerminal && task.ExpiresAt <= now)
            {
                _tasks.TryRemove(id, out _);
            }
        }
    }

    /// <summary>On shutdown every held call of a task is withdrawn, as it is for a blocking call whose session ends.</summary>
    public async ValueTask DisposeAsync()
    {
        var running = _tasks.Values.Where(t => !t.Run.IsCompleted).ToList();
        foreach (var task in running)
        {
            await task.Cancellation.CancelAsync();
        }

        try
        {
            await Task.WhenAll(running.Select(t => t.Run)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // Shutdown goes on; the approvals' own expiry settles anything left pending.
        }
    }
}
