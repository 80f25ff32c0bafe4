namespace ApprovalGateway.ScaleOut;

internal static partial class Log
{
    [LoggerMessage(8000, LogLevel.Warning, "Could not tell other gateway instances about approval {ApprovalId}; their waiters see it on the next signal or at the deadline")]
    public static partial void SignalPublishFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8001, LogLevel.Warning, "The PostgreSQL approval listener failed; reconnecting in {Delay}")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, TimeSpan delay);
}
