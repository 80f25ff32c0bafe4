namespace ApprovalGateway.Upstreams;

internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Upstream '{Upstream}' connected: {ServerName} {ServerVersion}.")]
    public static partial void UpstreamConnected(ILogger logger, string upstream, string serverName, string? serverVersion);

    [LoggerMessage(1001, LogLevel.Warning, "Upstream '{Upstream}' could not connect (attempt {Attempt}); retrying in {DelaySeconds} s: {Reason}")]
    public static partial void UpstreamConnectFailed(ILogger logger, string upstream, int attempt, double delaySeconds, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Upstream '{Upstream}' went down ({Details}); restarting in {DelaySeconds} s.")]
    public static partial void UpstreamLost(ILogger logger, string upstream, string details, double delaySeconds);

    [LoggerMessage(1012, LogLevel.Information, "Upstream '{Upstream}' ended while the gateway stops ({Details}); not restarting it.")]
    public static partial void UpstreamStoppedWithGateway(ILogger logger, string upstream, string details);

    [LoggerMessage(1003, LogLevel.Information, "Upstream '{Upstream}' stderr: {Line}")]
    public static partial void UpstreamStandardError(ILogger logger, string upstream, string line);

    [LoggerMessage(1004, LogLevel.Information, "Upstream '{Upstream}' serves {Count} tools.")]
    public static partial void ToolsListed(ILogger logger, string upstream, int count);

    [LoggerMessage(1005, LogLevel.Warning, "Could not list the tools of upstream '{Upstream}': {Reason}")]
    public static partial void ToolListFailed(ILogger logger, string upstream, string reason);

    [LoggerMessage(1017, LogLevel.Warning, "Upstream '{Upstream}' did not list its tools within {TimeoutSeconds} s (Gateway:Upstreams:{Upstream}:RequestTimeout); the catalogue keeps its last listing and lists it again when next asked.")]
    public static partial void ToolListTimedOut(ILogger logger, string upstream, double timeoutSeconds);

    [LoggerMessage(1006, LogLevel.Error, "{Message}")]
    public static partial void ToolNameCollision(ILogger logger, string message);

    [LoggerMessage(1007, LogLevel.Warning, "Upstream '{Upstream}' lists a tool the gateway cannot read; it is left out of tools/list: {Definition}")]
    public static partial void UnreadableToolSkipped(ILogger logger, string upstream, string definition);

    [LoggerMessage(1008, LogLevel.Warning, "Upstream '{Upstream}' wrote a message of more than {MaxBytes} bytes to stdout; the gateway closed the connection (Gateway:Upstreams:{Upstream}:MaxResponseBytes).")]
    public static partial void StdioMessageTooLarge(ILogger logger, string upstream, long maxBytes);

    [LoggerMessage(1009, LogLevel.Warning, "Upstream '{Upstream}' wrote a line to stdout that is not a JSON-RPC message ({Reason}); skipped: {Line}")]
    public static partial void StdioLineUnreadable(ILogger logger, string upstream, string reason, string line);

    [LoggerMessage(1013, LogLevel.Warning, "The agent's answer to {Method} could not be sent to upstream '{Upstream}': {Reason}")]
    public static partial void AnswerToUpstreamFailed(ILogger logger, string method, string upstream, string reason);

    [LoggerMessage(1014, LogLevel.Warning, "{Method} from upstream '{Upstream}' could not be passed on to the agent: {Reason}")]
    public static partial void NotificationToAgentFailed(ILogger logger, string method, string upstream, string reason);

    [LoggerMessage(1015, LogLevel.Warning, "Upstream '{Upstream}' opened a session that could not be set up as the agent had it: {Reason}")]
    public static partial void UpstreamSetUpFailed(ILogger logger, string upstream, string reason);

    [LoggerMessage(1016, LogLevel.Warning, "Upstream '{Upstream}' could not be asked what it lists ({Lists}) to clients with the agent's capabilities; the agent's own session asks it instead: {Reason}")]
    public static partial void CapabilityListingFailed(ILogger logger, string upstream, string lists, string reason);

    [LoggerMessage(1018, LogLevel.Debug, "Upstream '{Upstream}' does not serve its {Lists} to clients with the agent's capabilities; agents are given its answer without a session of their own: {Reason}")]
    public static partial void ListNotServed(ILogger logger, string upstream, string lists, string reason);

    [LoggerMessage(1020, LogLevel.Information, "Upstream '{Upstream}' reconnected offering {Lists}, which it did not before; agents are told to list them.")]
    public static partial void ListsNewlyOffered(ILogger logger, string upstream, string lists);

    [LoggerMessage(1019, LogLevel.Warning, "Upstream '{Upstream}' repeated the cursor {Cursor} while listing {Method}; the listing stopped there rather than page for ever.")]
    public static partial void ListingCursorRepeated(ILogger logger, string upstream, string method, string cursor);

    [LoggerMessage(1021, LogLevel.Debug, "Upstream '{Upstream}': started spare process {ProcessId} for the next session.")]
    public static partial void SpareProcessStarted(ILogger logger, string upstream, int processId);

    [LoggerMessage(1022, LogLevel.Warning, "Upstream '{Upstream}': its spare process exited (code {ExitCode}) before a session took it; the session starts its own.")]
    public static partial void SpareProcessExited(ILogger logger, string upstream, int exitCode);

    [LoggerMessage(1023, LogLevel.Warning, "Upstream '{Upstream}': could not start a spare process: {Reason}")]
    public static partial void SpareProcessNotStarted(ILogger logger, string upstream, string reason);

    [LoggerMessage(1024, LogLevel.Information, "Upstream '{Upstream}' answered protocol version {Answered} to {Asked}, which it does not speak; sessions that ask {Asked} are opened in {Answered}.")]
    public static partial void OtherProtocolVersionAnswered(ILogger logger, string upstream, string asked, string answered);

    [LoggerMessage(1025, LogLevel.Debug, "Upstream '{Upstream}' is tried again now, for a request that needs it, instead of in {Seconds} s")]
    public static partial void UpstreamNudged(ILogger logger, string upstream, double seconds);
}
