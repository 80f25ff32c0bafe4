using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// One agent session's side of MCP tasks: which upstream made each upstream task id the session relayed, and the
/// held calls still running in the background, which keep the session's upstream clients open after it closes.
/// </summary>
internal sealed class SessionTasks(ILogger logger)
{
    private readonly ConcurrentDictionary<string, string> upstreamTasks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> background = new();

    /// <summary>Remembers what a task-augmented call started: its upstream task id, and its run until it ends.</summary>
    public void Track(StartedTaskCall started, UpstreamLink link)
    {
        if (started.UpstreamTaskId is { } upstreamTaskId)
        {
            upstreamTasks[upstreamTaskId] = link.Name;
        }

        if (!started.Background.IsCompleted)
        {
            background[started.Background] = true;
            _ = started.Background.ContinueWith(t => background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    public Task[] Running() => [.. background.Keys];

    /// <summary>Gateway task ids go to the task store; an upstream's own task ids back to the upstream that made them.</summary>
    public async Task<JsonNode?> HandleAsync(
        GatewayTasks tasks, SessionIdentity identity, UpstreamRoutes routes, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.Params?["taskId"].AsString();
        if (taskId is not null
            && !taskId.StartsWith(TaskMethods.IdPrefix, StringComparison.Ordinal)
            && upstreamTasks.TryGetValue(taskId, out var upstream)
            && routes.Link(upstream) is { } owner)
        {
            return await UpstreamRoutes.ForwardAsync(owner, request, cancellationToken);
        }

        var answer = await tasks.HandleAsync(identity, request, cancellationToken);
        if (request.Method == TaskMethods.List && answer["tasks"] is JsonArray listed)
        {
            await AddUpstreamTasksAsync(routes, listed, cancellationToken);
        }

        return answer;
    }

    /// <summary>The upstream tasks this session relayed, so that every task <c>tasks/get</c> finds is also listed.</summary>
    private async Task AddUpstreamTasksAsync(UpstreamRoutes routes, JsonArray listed, CancellationToken cancellationToken)
    {
        foreach (var link in routes.Links.Where(l => upstreamTasks.Values.Contains(l.Name)))
        {
            try
            {
                var page = await UpstreamRoutes.SendAsync(link, TaskMethods.List, new JsonObject(), cancellationToken);
                foreach (var task in (page?["tasks"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (task["taskId"] is JsonValue id && id.TryGetValue<string>(out var taskId) && upstreamTasks.ContainsKey(taskId))
                    {
                        listed.Add(task.DeepClone());
                    }
                }
            }
            catch (McpProtocolException ex)
            {
                Log.UpstreamTaskListFailed(logger, link.Name, ex.Message);
            }
        }
    }
}
