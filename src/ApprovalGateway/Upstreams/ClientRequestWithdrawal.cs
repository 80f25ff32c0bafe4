namespace ApprovalGateway.Upstreams;

/// <summary>
/// Whether the upstream has withdrawn a request it made of its client, and why: its <c>notifications/cancelled</c>
/// cancels <see cref="Token"/> and leaves its reason here, so the agent asked in its place is told it as the upstream
/// put it. Closing the upstream session cancels it without a reason.
/// </summary>
internal sealed class ClientRequestWithdrawal(CancellationToken closed) : IDisposable
{
    private readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(closed);
    private volatile string? _reason;

    public CancellationToken Token => _source.Token;

    /// <summary>The reason the upstream gave, as it gave it; null without one, or while the request stands.</summary>
    public string? Reason => _reason;

    public void Withdraw(string? reason)
    {
        // Set before cancelling: what the cancellation sets off reads it.
        _reason = reason;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Answered meanwhile.
        }
    }

    public void Dispose() => _source.Dispose();
}
