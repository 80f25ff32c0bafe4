using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// Collects what a host logs at Error and above (the console's <c>fail:</c> and <c>crit:</c> lines), so a test can
/// show that bad input was handled rather than ending in an unhandled exception; and, at any level, which entries
/// carried an exception, whose stack trace the console prints; and the event id of every entry.
/// </summary>
internal sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _withException = new();
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentQueue<int> _events = new();
    private readonly ConcurrentQueue<(int EventId, string Message)> _messages = new();
    private readonly List<(int EventId, int Count, TaskCompletionSource Counted)> _counts = [];
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _firstOf = new();

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary><c>category: message</c> of each entry at Warning (the console's <c>warn:</c> lines).</summary>
    public IReadOnlyCollection<string> Warnings => _warnings;

    /// <summary><c>category[event]</c> of each entry logged with an exception, whatever its level.</summary>
    public IReadOnlyCollection<string> WithException => _withException;

    /// <summary>The event id of each entry, whatever its level.</summary>
    public IReadOnlyCollection<int> EventIds => _events;

    /// <summary>Completes once <paramref name="count"/> entries with <paramref name="eventId"/> were logged.</summary>
    public Task Counted(int eventId, int count)
    {
        var counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_counts)
        {
            _counts.Add((eventId, count, counted));
        }

        CheckCounts();
        return counted.Task;
    }

    /// <summary>The message of each entry with <paramref name="eventId"/> so far, in order.</summary>
    public IReadOnlyList<string> Messages(int eventId) => [.. _messages.Where(m => m.EventId == eventId).Select(m => m.Message)];

    /// <summary>The message of the first entry with <paramref name="eventId"/>, once one is logged: a signal to wait for.</summary>
    public Task<string> Logged(int eventId) => FirstOf(eventId).Task;

    public ILogger CreateLogger(string categoryName) => new Listener(this, categoryName);

    private void CheckCounts()
    {
        lock (_counts)
        {
            foreach (var waiter in _counts.Where(w => _messages.Count(m => m.EventId == w.EventId) >= w.Count).ToList())
            {
                waiter.Counted.TrySetResult();
                _counts.Remove(waiter);
            }
        }
    }

    private TaskCompletionSource<string> FirstOf(int eventId) =>
        _firstOf.GetOrAdd(eventId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Dispose()
    {
    }

    private sealed class Listener(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            log._events.Enqueue(eventId.Id);
            log._messages.Enqueue((eventId.Id, message));
            log.FirstOf(eventId.Id).TrySetResult(message);
            log.CheckCounts();
            if (logLevel == LogLevel.Warning)
            {
                log._warnings.Enqueue($"{category}: {message}");
            }

            if (logLevel >= LogLevel.Error)
            {
                log._lines.Enqueue($"{logLevel} {category}[{eventId.Id}]: {message} {exception?.Message}");
            }

            if (exception is not null)
            {
                log._withException.Enqueue($"{category}[{eventId.Id}]");
            }
        }
    }
}
