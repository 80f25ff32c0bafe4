using System.Collections.Frozen;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The host's loggers, for the SDK's client and transports, less the SDK's own report of a failed connection attempt:
/// it comes at Error with the whole stack on every attempt, while the link says the same in one line (event 1001) and
/// tries again. Its Error for an upstream that answered an older protocol version goes too: the connector asks again in
/// that version and says so (event 1024). So do its Warnings, with their stack traces, for a URL that answered neither
/// Streamable HTTP nor HTTP+SSE, and for an HTTP+SSE stream that failed: the link says the first in event 1001 and the
/// second, the session's end, in event 1002. An error an upstream answers a request with comes down to Debug: most are
/// the agent's (a prompt or resource that does not exist, a wrong argument), the agent hears them and the audit keeps
/// them, and a Warning for each let an agent repeating a mistake fill the operator's log. Everything else the SDK logs
/// passes as the host's filters say.
/// </summary>
internal sealed class SdkConnectLogFilter(ILoggerFactory inner) : ILoggerFactory
{
    private static readonly FrozenSet<string> ConnectFailures = FrozenSet.Create(
        StringComparer.Ordinal, "LogClientInitializationError", "LogClientInitializationTimeout", "LogTransportConnectFailed",
        "LogServerProtocolVersionMismatch", "LogSseFallbackFailedAfterStreamableHttp", "LogTransportReadMessagesFailed");

    private const string ErrorAnswered = "LogSendingRequestFailed";

    public ILogger CreateLogger(string categoryName) => new Filtered(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("Add logging providers to the host, not to the upstreams' view of it.");

    public void Dispose()
    {
        // The host's factory is the host's to dispose.
    }

    private sealed class Filtered(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name is { } name && ConnectFailures.Contains(name))
            {
                return;
            }

            if (eventId.Name == ErrorAnswered && logLevel > LogLevel.Debug)
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
