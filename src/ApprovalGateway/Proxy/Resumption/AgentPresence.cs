namespace ApprovalGateway.Proxy.Resumption;

/// <summary>
/// Whether the agent is still there for one of its requests: <see cref="Abandoned"/> fires once neither the request's
/// POST nor a resumption of it has been open for <see cref="Window"/>.
/// </summary>
internal sealed class AgentPresence(TimeSpan window, Func<CancellationToken, Task> whenConnected, Action stopWatching, CancellationToken abandoned)
    : IDisposable
{
    public CancellationToken Abandoned { get; } = abandoned;

    public TimeSpan Window { get; } = window;

    /// <summary>Completes at once while the agent is connected to the request's stream, else once it resumes it.</summary>
    public Task WhenConnectedAsync(CancellationToken cancellationToken) => whenConnected(cancellationToken);

    public void Dispose() => stopWatching();
}
