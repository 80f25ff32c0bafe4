using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>The log entries that carry an exception, whose stack trace the console prints, by category and event.</summary>
internal sealed class ExceptionLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    /// <summary><c>category[event]</c> of each entry logged with an exception.</summary>
    public IReadOnlyCollection<string> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Listener(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Listener(ExceptionLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null)
            {
                log._entries.Enqueue($"{category}[{eventId.Id}]");
            }
        }
    }
}
