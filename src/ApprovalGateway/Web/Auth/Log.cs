using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Web.Auth;

internal static partial class Log
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "No approvers are configured under Approvers: the page, hubs and API are served only to loopback callers, as 'local'. Behind a reverse proxy on this machine every caller would look local: configure approvers instead")]
    public static partial void LoopbackOnly(ILogger logger);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "{Count} approvers configured")]
    public static partial void ApproversConfigured(ILogger logger, int count);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Approver {Name} signed in")]
    public static partial void SignedIn(ILogger logger, string name);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Failed sign-in as {Name} from {RemoteIp}")]
    public static partial void SignInFailed(ILogger logger, string name, string? remoteIp);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Approver {Name} signed out")]
    public static partial void SignedOut(ILogger logger, string? name);

    [LoggerMessage(EventId = 9450, Level = LogLevel.Warning, Message = "Sign-in as {Name} is locked out until {Until:u}: {Failures} failed attempts within {Window}")]
    public static partial void NameLockedOut(ILogger logger, string name, DateTimeOffset until, int failures, TimeSpan window);

    [LoggerMessage(EventId = 9451, Level = LogLevel.Warning, Message = "Sign-in from {RemoteIp} is locked out until {Until:u}: {Failures} failed attempts within {Window}")]
    public static partial void AddressLockedOut(ILogger logger, string remoteIp, DateTimeOffset until, int failures, TimeSpan window);
}
