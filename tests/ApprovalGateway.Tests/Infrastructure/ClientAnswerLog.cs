using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// Signals when the gateway has handled the answer from an agent's client (events 1107-1109 of the proxy),
/// including answers the rules ignore, which change nothing a test could otherwise wait for.
/// </summary>
internal sealed class ClientAnswerLog : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _settled = new(StringComparer.Ordinal);

    public Task WaitForAsync(string approvalId) => Settled(approvalId).Task;

    private TaskCompletionSource Settled(string approvalId) =>
        _settled.GetOrAdd(approvalId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public ILogger CreateLogger(string categoryName) => new Listener(this);

    public void Dispose()
    {
    }

    private sealed class Listener(ClientAnswerLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id is 1107 or 1108 or 1109 && state is IReadOnlyList<KeyValuePair<string, object?>> fields
                && fields.FirstOrDefault(f => f.Key == "ApprovalId").Value is string approvalId)
            {
                log.Settled(approvalId).TrySetResult();
            }
        }
    }
}
