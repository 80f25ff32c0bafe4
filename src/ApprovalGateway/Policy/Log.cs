using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Policy;

internal static partial class Log
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Policy loaded from {Path}: {Summary}")]
    public static partial void PolicyLoaded(ILogger logger, string path, string summary);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Policy reload rejected, the last good policy stays in force:\n{Errors}")]
    public static partial void PolicyReloadRejected(ILogger logger, string errors);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Policy file watcher failed for {Path}")]
    public static partial void WatcherFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Policy {Path}: {Warning}")]
    public static partial void PolicyNamesSomethingUnknown(ILogger logger, string path, string warning);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "The audit record of a policy change could not be written: {Reason}")]
    public static partial void PolicyChangeNotAudited(ILogger logger, Exception exception, string reason);
}
