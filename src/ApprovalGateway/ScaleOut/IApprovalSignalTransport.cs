namespace ApprovalGateway.ScaleOut;

/// <summary>A broadcast channel between gateway instances: every instance receives every message, its own included.</summary>
internal interface IApprovalSignalTransport
{
    Task PublishAsync(string message, CancellationToken cancellationToken);

    /// <summary>
    /// Delivers messages to <paramref name="onMessage"/> until cancelled, reconnecting after failures.
    /// <paramref name="onConnected"/> runs after every (re)connection, since messages sent while disconnected are lost;
    /// <paramref name="onDisconnected"/> when the connection is lost.
    /// </summary>
    Task ListenAsync(Action<string> onMessage, Action onConnected, Action onDisconnected, CancellationToken cancellationToken);
}
