using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Completes <see cref="Logged"/> the first time a host logs the event with this id, so a test can wait for it.</summary>
internal sealed class EventLog(int eventId) : ILoggerProvider
{
    private readonly TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Logged => _logged.Task;

    public ILogger CreateLogger(string categoryName) => new Listener(this);

    public void Dispose()
    {
    }

    private sealed class Listener(EventLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == log.EventId)
            {
                log._logged.TrySetResult();
            }
        }
    }

    private int EventId => eventId;
}
