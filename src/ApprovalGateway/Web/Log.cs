namespace ApprovalGateway.Web;

internal static partial class Log
{
    [LoggerMessage(7000, LogLevel.Warning, "Pushing approval {ApprovalId} ({Status}) to the open pages failed.")]
    public static partial void BroadcastFailed(ILogger logger, string approvalId, string status, Exception exception);

    [LoggerMessage(7001, LogLevel.Debug, "Approver '{Approver}' opened the live page (connection {ConnectionId}).")]
    public static partial void PageConnected(ILogger logger, string approver, string connectionId);

    [LoggerMessage(7002, LogLevel.Debug, "Approver '{Approver}' closed the live page (connection {ConnectionId}).")]
    public static partial void PageDisconnected(ILogger logger, string approver, string connectionId);

    [LoggerMessage(7003, LogLevel.Information, "The approval page is served from {Path}.")]
    public static partial void ServingPage(ILogger logger, string path);

    [LoggerMessage(7004, LogLevel.Warning, "Pushing the grants in force to the open pages failed.")]
    public static partial void GrantsPushFailed(ILogger logger, Exception exception);

    [LoggerMessage(7005, LogLevel.Warning, "Telling the open pages that the policy was reloaded failed.")]
    public static partial void PolicyPushFailed(ILogger logger, Exception exception);

    [LoggerMessage(7006, LogLevel.Information, "Approver '{Approver}' signed out: their live page connection {ConnectionId} is closed, and reconnects only with a sign-in.")]
    public static partial void PageClosedOnSignOut(ILogger logger, string approver, string connectionId);

    [LoggerMessage(7007, LogLevel.Warning, "Stopping: the live pages were not told of every withdrawn held call within {MaxWait}; their connections close now, and they show the calls as they were until reloaded.")]
    public static partial void ShutdownPushUnfinished(ILogger logger, TimeSpan maxWait, Exception? exception);

    [LoggerMessage(7008, LogLevel.Warning, "Telling the open pages that audit records were written failed.")]
    public static partial void AuditPushFailed(ILogger logger, Exception exception);
}
