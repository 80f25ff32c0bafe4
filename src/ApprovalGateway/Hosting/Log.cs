using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Hosting;

internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Warning, Message = "Shutdown outlasted the host's shutdown timeout (a call still running upstream, say); the services still stopping were cut short")]
    public static partial void ShutdownTimedOut(ILogger logger);
}
