using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Policy;

/// <summary>The policy's warnings (event 2003) as the console prints them, for tests to read.</summary>
internal sealed class PolicyWarningLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger<T> For<T>() => new Logger<T>(new LoggerFactory([this]));

    public ILogger CreateLogger(string categoryName) => new Listener(this);

    public void Dispose()
    {
    }

    private sealed class Listener(PolicyWarningLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning && eventId.Id == 2003)
            {
                log._lines.Enqueue(formatter(state, exception));
            }
        }
    }
}
