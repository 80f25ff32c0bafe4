using System.Text.Json.Nodes;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// MCP Tasks (2025-11-25) for held calls. A task-augmented <c>tools/call</c> that the policy holds is answered at
/// once with a working task while the approval runs in the background; one that is not held runs as usual and is
/// either an upstream's own task (relayed untouched) or a gateway task that is already finished. A tool that offers
/// no tasks at all is refused (<see cref="EnsureOffered"/>).
/// </summary>
internal sealed class GatewayTasks(TaskStore store, PolicyEngine policy, TimeProvider time, ILogger<GatewayTasks> logger)
{
    public delegate Task<JsonNode?> Runner(TaskRun run);

    public static bool Supports(string? protocolVersion) =>
        protocolVersion is not null && string.CompareOrdinal(protocolVersion, TaskMethods.FirstProtocolVersion) >= 0;

    /// <summary>
    /// MCP Tasks: a receiver that cannot tell requestors apart should not offer <c>tasks/list</c>. Every session
    /// without an agent key is the same anonymous agent, and each can fetch the others' tasks by id, so none of them
    /// gets a list (a session's own list would leave out tasks it can fetch, which the spec forbids).
    /// </summary>
    public static bool CanList(SessionIdentity requestor) => requestor.Agent != AgentClaims.Anonymous;

    /// <summary>
    /// Adds the <c>tasks</c> capability (absent from the SDK's typed model) to the raw initialize result, when the
    /// negotiated version has Tasks; <c>tasks.list</c> only when <see cref="CanList"/>.
    /// </summary>
    public static void Advertise(McpServerOptions serverOptions, bool canList, Func<RequestId, bool> isInitialize, Action advertised) =>
        serverOptions.Filters.Message.OutgoingFilters.Add(next => async (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcResponse { Result: JsonObject result } response
                && isInitialize(response.Id)
                && result["capabilities"] is JsonObject capabilities
                && result["serverInfo"] is JsonObject
                && result["protocolVersion"] is JsonValue version
                && Supports(version.GetValue<string>()))
            {
                var tasks = new JsonObject();
                if (canList)
                {
                    tasks["list"] = new JsonObject();
                }

                tasks["cancel"] = new JsonObject();
                tasks["requests"] = new JsonObject { ["tools"] = new JsonObject { ["call"] = new JsonObject() } };
                capabilities["tasks"] = tasks;
                advertised();
            }

            await next(context, cancellationToken);
        });

    /// <summary>
    /// Offers tasks (<c>execution.taskSupport: optional</c>) on the tools the policy may hold for this agent; every
    /// other tool is listed exactly as its upstream lists it, and one the upstream runs as a task keeps its setting.
    /// </summary>
    public void OfferTasks(JsonObject tool, UpstreamTool described, string agent)
    {
        if (MayHold(described, agent) && !UpstreamRunsTasks(tool))
        {
            var execution = tool["execution"] as JsonObject ?? [];
            execution["taskSupport"] = "optional";
            tool["execution"] = execution;
        }
    }

    /// <summary>
    /// MCP Tasks tool-level negotiation, on the tool as <see cref="OfferTasks"/> lists it: a task-augmented call to a
    /// tool listed without <c>taskSupport</c> is refused with -32601 before anything runs, as the spec says servers
    /// should, rather than run as a plain call and wrapped in a finished task the agent was told it cannot have. A
    /// hidden tool is left to the policy, which answers it as an unknown tool (and audits it as one).
    /// </summary>
    public void EnsureOffered(UpstreamTool tool, string agent)
    {
        if (UpstreamRunsTasks(tool.Definition) || MayHold(tool, agent) || policy.IsHidden(tool.Name, agent))
        {
            return;
        }

        Log.TaskNotOffered(logger, agent, tool.Name);
        throw new McpProtocolException(
            $"Tool '{tool.Name}' does not support task-augmented calls (its tools/list entry offers no execution.taskSupport); call it without 'task'.",
            McpErrorCode.MethodNotFound);
    }

    /// <summary>The policy may hold a call to the tool for this agent, so the gateway runs it as its own task.</summary>
    private bool MayHold(UpstreamTool tool, string agent)
    {
        var preview = policy.Preview(tool.Name, agent, policy.ApplyOverrides(tool.Name, tool.Risk));
        return preview.Kind == DecisionKind.ApprovalRequired || preview.HasConditions;
    }

    public static bool UpstreamRunsTasks(JsonObject definition) => TaskSupport(definition) is "optional" or "required";

    /// <summary>The upstream refuses (-32601) a plain call to the tool: it runs only as a task.</summary>
    public static bool UpstreamRequiresTasks(JsonObject definition) => TaskSupport(definition) == "required";

    private static string? TaskSupport(JsonObject definition) => definition["execution"]?["taskSupport"].AsString();

    /// <summary>
    /// The end of a held call to a tool its upstream runs only as a task: it goes upstream as a task (a plain call
    /// would be refused after a human approved it), so the gateway's task waits for the upstream's and ends with its
    /// result. Withdrawn meanwhile, the upstream's task is cancelled too.
    /// </summary>
    /// <param name="create">Sends the task-augmented call; not cancelled by the agent (see below), but by the upstream's RequestTimeout.</param>
    public async Task<JsonNode?> RunUpstreamTaskAsync(
        UpstreamLink link, Func<CancellationToken, Task<JsonNode?>> create, CancellationToken cancellationToken)
    {
        // A call given up while the upstream makes its task leaves that task running, under an id the gateway never
        // hears: the call is let finish, and the task it made is then cancelled by its id.
        var created = await create(CancellationToken.None);
        if (created?["task"]?["taskId"].AsString() is not { } upstreamTaskId)
        {
            return created;
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await UpstreamRoutes.SendAsync(link, TaskMethods.Result, new JsonObject { ["taskId"] = upstreamTaskId }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                await UpstreamRoutes.SendAsync(link, TaskMethods.Cancel, new JsonObject { ["taskId"] = upstreamTaskId }, CancellationToken.None);
            }
            catch (Exception ex) when (ex is McpException or UpstreamUnavailableException or OperationCanceledException or TimeoutException or HttpRequestException)
            {
                // Best effort: the upstream's task ends by its own ttl anyway.
                Log.UpstreamTaskCancelFailed(logger, link.Name, upstreamTaskId, ex.Message);
            }

            throw;
        }
    }

    public async Task<StartedTaskCall> CallAsync(
        SessionIdentity requestor, string tool, JsonObject taskParams, Runner runner, Func<JsonObject, Task> notify, CancellationToken requestCancellation)
    {
        var agent = requestor.Agent;
        store.EnsureCapacity(agent);
        long? ttl = taskParams["ttl"] is JsonValue value && value.TryGetValue<double>(out var ms) ? (long)ms : null;
        var cancellation = new CancellationTokenSource();
        var run = new TaskRun(cancellation.Token);
        Task<JsonNode?> pipeline;
        using (requestCancellation.Register(cancellation.Cancel))
        {
            // Until the task exists, the request is the only handle the agent has on the call.
            pipeline = Task.Run(() => runner(run), CancellationToken.None);
            await Task.WhenAny(pipeline, run.Held);
            if (run.IsHeld)
            {
                var held = await run.Held;
                var task = store.Create(requestor, ttl, cancellation);
                task.ApprovalId = held.ApprovalId;
                task.UpdateMessage(TaskRun.StatusMessage(held));
                run.Attach(task);
                task.Run = CompleteAsync(task, pipeline, notify);
                Log.TaskCreated(logger, task.Id, agent, tool, task.StatusName);
                return new StartedTaskCall(new JsonObject { ["task"] = task.ToJson() }, null, task.Run);
            }
        }

        var result = await pipeline;
        if (result?["task"]?["taskId"] is JsonValue upstreamId && upstreamId.TryGetValue<string>(out var id))
        {
            cancellation.Dispose();
            return new StartedTaskCall(result, id, Task.CompletedTask);
        }

        var finished = store.Create(requestor, ttl, cancellation);
        Finish(finished, result);
        Log.TaskCreated(logger, finished.Id, agent, tool, finished.StatusName);
        return new StartedTaskCall(new JsonObject { ["task"] = finished.ToJson() }, null, Task.CompletedTask);
    }

    /// <summary>Answers <c>tasks/get</c>, <c>tasks/result</c>, <c>tasks/cancel</c> and <c>tasks/list</c> from the agent's own tasks.</summary>
    public async Task<JsonNode> HandleAsync(SessionIdentity requestor, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        var agent = requestor.Agent;
        if (request.Method == TaskMethods.List)
        {
            if (!CanList(requestor))
            {
                // Not advertised to this agent (see CanList), so not served either.
                throw new McpProtocolException(
                    "tasks/list is not available to sessions without an agent key: the gateway cannot tell them apart. Poll a task with tasks/get.",
                    McpErrorCode.MethodNotFound);
            }

            if (request.Params?["cursor"] is not null)
            {
                throw new McpProtocolException("Invalid cursor: the gateway lists all tasks on one page.", McpErrorCode.InvalidParams);
            }

            return new JsonObject { ["tasks"] = new JsonArray([.. store.List(requestor).Select(t => t.ToJson())]) };
        }

        var taskId = request.Params?["taskId"].AsString()
            ?? throw new McpProtocolException($"{request.Method} needs a 'taskId' string.", McpErrorCode.InvalidParams);
        var task = store.Find(agent, taskId);
        switch (request.Method)
        {
            case TaskMethods.Get:
                return task.ToJson();
            case TaskMethods.Result:
                await task.Done.WaitAsync(cancellationToken);
                return task.FinalAnswer();
            default:
                var message = task.IsSent
                    ? "Cancelled by the agent while the upstream ran its approved call; the upstream was told to stop."
                    : "Cancelled by the agent; its held call was withdrawn.";
                if (!task.TryFinish(GatewayTaskStatus.Cancelled, message, Withdrawn(task), null, time.GetUtcNow()))
                {
                    throw new McpProtocolException($"Cannot cancel task: already in terminal status '{task.StatusName}'", McpErrorCode.InvalidParams);
                }

                await task.Cancellation.CancelAsync();
                Log.TaskCancelled(logger, task.Id, agent);
                return task.ToJson();
        }
    }

    private async Task CompleteAsync(GatewayTask task, Task<JsonNode?> pipeline, Func<JsonObject, Task> notify)
    {
        bool changed;
        try
        {
            changed = Finish(task, await pipeline);
        }
        catch (McpProtocolException ex)
        {
            var error = ex as UpstreamProtocolException ?? new McpProtocolException(GatewaySession.UpstreamMessage(ex.Message), ex.ErrorCode);
            changed = task.TryFinish(GatewayTaskStatus.Failed, error.Message, null, error, time.GetUtcNow());
        }
        catch (OperationCanceledException)
        {
            var message = task.IsSent ? "The call was stopped while the upstream ran it." : "The held call was withdrawn.";
            changed = task.TryFinish(GatewayTaskStatus.Cancelled, message, Withdrawn(task), null, time.GetUtcNow());
        }
        catch (Exception ex)
        {
            Log.TaskCrashed(logger, task.Id, ex);
            var error = new McpProtocolException("The gateway failed while running this task.", McpErrorCode.InternalError);
            changed = task.TryFinish(GatewayTaskStatus.Failed, error.Message, null, error, time.GetUtcNow());
        }

        if (!changed)
        {
            return;
        }

        Log.TaskEnded(logger, task.Id, task.Agent, task.StatusName);
        try
        {
            await notify(task.ToJson());
        }
        catch (Exception ex)
        {
            // Status notifications are optional (MCP Tasks); the agent's session may be gone and it polls instead.
            Log.NotifyFailed(logger, task.Id, ex.Message);
        }
    }

    /// <summary>MCP Tasks: a tool result with <c>isError</c> makes the task <c>failed</c>; the result stays retrievable.</summary>
    private bool Finish(GatewayTask task, JsonNode? result)
    {
        var isError = result?["isError"] is JsonValue flag && flag.TryGetValue<bool>(out var error) && error;
        return task.TryFinish(
            isError ? GatewayTaskStatus.Failed : GatewayTaskStatus.Completed,
            isError ? FirstText(result) : null,
            result ?? new JsonObject(),
            null,
            time.GetUtcNow());
    }

    private static string? FirstText(JsonNode? result) =>
        (result?["content"] as JsonArray)?.OfType<JsonObject>()
            .Select(c => c["text"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null)
            .FirstOrDefault(s => s is not null);

    private static JsonObject Withdrawn(GatewayTask task) => ToolCallResults.Refused(
        tool: null,
        DecisionKind.Withdrawn,
        task.IsSent
            ? "The call was approved, then stopped while the upstream ran it: the agent cancelled its task."
            : "The call was withdrawn before a decision: the agent cancelled its task.",
        "the agent cancelled its task",
        rule: "",
        approvalId: task.ApprovalId);
}
