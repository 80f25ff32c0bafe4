using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// Completes <see cref="Logged"/> the first time a host logs the event with this id, so a test can wait for it; keeps
/// every entry the host logs (at its configured levels) for the message of a test that waited in vain.
/// </summary>
internal sealed class EventLog(int eventId) : ILoggerProvider
{
    private readonly TaskCompletionSource<string> _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IReadOnlyDictionary<string, object?>> _fields = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _lines = new();

    public Task Logged => _logged.Task;

    /// <summary>The message of the first entry with the event id, as the console shows it.</summary>
    public Task<string> Message => _logged.Task;

    /// <summary>The named fields of that entry, as a log system that stores them apart would query them.</summary>
    public Task<IReadOnlyDictionary<string, object?>> Fields => _fields.Task;

    /// <summary>Everything the host logged, one entry a line.</summary>
    public string Lines => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Listener(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Listener(EventLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            log._lines.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} {exception?.Message}");
            if (eventId.Id == log.EventId)
            {
                log._fields.TrySetResult(state is IEnumerable<KeyValuePair<string, object?>> fields
                    ? fields.ToDictionary(f => f.Key, f => f.Value)
                    : new Dictionary<string, object?>());
                log._logged.TrySetResult(formatter(state, exception));
            }
        }
    }

    private int EventId => eventId;
}
