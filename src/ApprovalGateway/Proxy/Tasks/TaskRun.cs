using ApprovalGateway.Approvals;

namespace ApprovalGateway.Proxy.Tasks;

/// <summary>
/// What a task-augmented call's pipeline run sees: its own cancellation (not the request's, which ends at once),
/// and the approval wait updates, the first of which means the call is held and becomes a gateway task.
/// </summary>
internal sealed class TaskRun(CancellationToken cancellationToken) : IProgress<ApprovalWaitStatus>
{
    private readonly TaskCompletionSource<ApprovalWaitStatus> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile GatewayTask? _task;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>The call waits for a human: the gateway owns its task, so the upstream gets a plain call.</summary>
    public bool IsHeld => _held.Task.IsCompleted;

    public Task<ApprovalWaitStatus> Held => _held.Task;

    private volatile bool _sent;

    public void Attach(GatewayTask task)
    {
        _task = task;
        if (_sent)
        {
            task.MarkSent();
        }
    }

    /// <summary>The approved call goes upstream: cancelling the task now stops it there, rather than withdrawing it.</summary>
    public void Sent()
    {
        _sent = true;
        _task?.MarkSent();
    }

    public void Report(ApprovalWaitStatus value)
    {
        _held.TrySetResult(value);
        _task?.UpdateMessage(StatusMessage(value));
    }

    public static string StatusMessage(ApprovalWaitStatus value) => $"{value.Message} (approval {value.ApprovalId})";
}
