using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// Collects what a host logs at Error and above (the console's <c>fail:</c> and <c>crit:</c> lines), so a test can
/// show that bad input was handled rather than ending in an unhandled exception.
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Listener(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Listener(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._lines.Enqueue($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} {exception?.Message}");
            }
        }
    }
}
