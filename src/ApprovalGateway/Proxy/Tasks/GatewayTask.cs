using System.Globalization;
using System.Text.Json.Nodes;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// One task the gateway runs for an agent: its state, and the final <c>tools/call</c> answer (a result or a
/// JSON-RPC error) once it is terminal. A terminal task never changes again (MCP Tasks lifecycle).
/// </summary>
internal sealed class GatewayTask(
    string id, string agent, DateTimeOffset createdAt, TimeSpan ttl, TimeSpan pollInterval, CancellationTokenSource cancellation)
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GatewayTaskStatus _status = GatewayTaskStatus.Working;
    private string? _statusMessage;
    private DateTimeOffset _lastUpdatedAt = createdAt;
    private JsonNode? _result;
    private McpProtocolException? _error;
    private bool _sent;

    public string Id { get; } = id;

    public string Agent { get; } = agent;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    /// <summary>Cancelled by <c>tasks/cancel</c> or shutdown: the held call is withdrawn.</summary>
    public CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>The MCP session that created the task.</summary>
    public required string SessionId { get; init; }

    /// <summary>The held call's approval, once there is one.</summary>
    public string? ApprovalId { get; set; }

    /// <summary>The background run, for shutdown to wait on.</summary>
    public Task Run { get; set; } = Task.CompletedTask;

    /// <summary>Completes when the task becomes terminal.</summary>
    public Task Done => _done.Task;

    public bool IsTerminal
    {
        get
        {
            lock (_gate)
            {
                return _status != GatewayTaskStatus.Working;
            }
        }
    }

    /// <summary>
    /// Results are kept for the agent's <c>ttl</c> after the task's last change, so a call that waited longer than
    /// its ttl for approval still has its result retrievable; the reported <c>ttl</c> (from creation) grows to match.
    /// </summary>
    public DateTimeOffset ExpiresAt
    {
        get
        {
            lock (_gate)
            {
                return _lastUpdatedAt + ttl;
            }
        }
    }

    /// <summary>Whether the held call was approved and went upstream (so it was not withdrawn, but stopped there).</summary>
    public bool IsSent
    {
        get
        {
            lock (_gate)
            {
                return _sent;
            }
        }
    }

    public void MarkSent()
    {
        lock (_gate)
        {
            _sent = true;
            if (_status == GatewayTaskStatus.Working)
            {
                _statusMessage = $"Approved; the upstream is running the call (approval {ApprovalId}).";
            }
        }
    }

    public void UpdateMessage(string message)
    {
        lock (_gate)
        {
            if (_status == GatewayTaskStatus.Working)
            {
                _statusMessage = message;
            }
        }
    }

    /// <summary>Moves a working task to a terminal state; false when it already was (e.g. cancelled first).</summary>
    public bool TryFinish(GatewayTaskStatus status, string? message, JsonNode? result, McpProtocolException? error, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_status != GatewayTaskStatus.Working)
            {
                return false;
            }

            (_status, _statusMessage, _result, _error, _lastUpdatedAt) = (status, message, result, error, now);
        }

        _done.TrySetResult();
        return true;
    }

    /// <summary>The <c>Task</c> object of the MCP schema.</summary>
    public JsonObject ToJson()
    {
        lock (_gate)
        {
            var task = new JsonObject
            {
                ["taskId"] = Id,
                ["status"] = _status.ToWireName(),
            };
            if (_statusMessage is not null)
            {
                task["statusMessage"] = _statusMessage;
            }

            task["createdAt"] = Timestamp(CreatedAt);
            task["lastUpdatedAt"] = Timestamp(_lastUpdatedAt);
            task["ttl"] = (long)(_lastUpdatedAt + ttl - CreatedAt).TotalMilliseconds;
            if (_status == GatewayTaskStatus.Working)
            {
                task["pollInterval"] = (long)pollInterval.TotalMilliseconds;
            }

            return task;
        }
    }

    /// <summary>What the original <c>tools/call</c> would have answered, tagged with this task; only once terminal.</summary>
    public JsonNode FinalAnswer()
    {
        McpProtocolException? error;
        JsonNode? result;
        lock (_gate)
        {
            (error, result) = (_error, _result);
        }

        if (error is not null)
        {
            throw error is UpstreamProtocolException upstream
                ? new UpstreamProtocolException(upstream.Error)
                : new McpProtocolException(error.Message, error.ErrorCode);
        }

        var answer = result?.DeepClone() as JsonObject ?? [];
        if (answer["_meta"] is not JsonObject meta)
        {
            meta = [];
            answer["_meta"] = meta;
        }

        meta[TaskMethods.RelatedTaskMeta] = new JsonObject { ["taskId"] = Id };
        return answer;
    }

    public string StatusName
    {
        get
        {
            lock (_gate)
            {
                return _status.ToWireName();
            }
        }
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
