namespace ApprovalGateway.Proxy.Tasks;

internal static partial class Log
{
    [LoggerMessage(1150, LogLevel.Information, "Task {TaskId} of agent '{Agent}' created for {Tool}: {Status}.")]
    public static partial void TaskCreated(ILogger logger, string taskId, string agent, string tool, string status);

    [LoggerMessage(1151, LogLevel.Information, "Task {TaskId} of agent '{Agent}' ended: {Status}.")]
    public static partial void TaskEnded(ILogger logger, string taskId, string agent, string status);

    [LoggerMessage(1152, LogLevel.Information, "Task {TaskId} of agent '{Agent}' cancelled by the agent.")]
    public static partial void TaskCancelled(ILogger logger, string taskId, string agent);

    [LoggerMessage(1153, LogLevel.Error, "Task {TaskId} failed inside the gateway.")]
    public static partial void TaskCrashed(ILogger logger, string taskId, Exception exception);

    [LoggerMessage(1154, LogLevel.Debug, "Status notification of task {TaskId} not delivered: {Reason}")]
    public static partial void NotifyFailed(ILogger logger, string taskId, string reason);

    [LoggerMessage(1155, LogLevel.Warning, "Agent '{Agent}' looked up task {TaskId}, which it does not own or which has expired.")]
    public static partial void TaskNotFound(ILogger logger, string agent, string taskId);

    [LoggerMessage(1156, LogLevel.Warning, "Listing the tasks of upstream '{Upstream}' failed, so tasks/list leaves them out: {Reason}")]
    public static partial void UpstreamTaskListFailed(ILogger logger, string upstream, string reason);

    [LoggerMessage(1157, LogLevel.Debug, "Agent '{Agent}' asked to run {Tool} as a task, which the tool does not offer; refused with -32601.")]
    public static partial void TaskNotOffered(ILogger logger, string agent, string tool);

    [LoggerMessage(1158, LogLevel.Warning, "Cancelling task {TaskId} of upstream '{Upstream}' after its held call was withdrawn failed: {Reason}")]
    public static partial void UpstreamTaskCancelFailed(ILogger logger, string upstream, string taskId, string reason);
}
