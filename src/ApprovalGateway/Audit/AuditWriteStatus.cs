namespace ApprovalGateway.Audit;

/// <summary>
/// Whether the sink's last write got through, for <c>/healthz</c>: a failed batch sets the problem and a written one
/// clears it. Health follows the writes that calls make rather than probing with records of its own, which would put
/// records in the chain that no call made; the cost on the hot path is one volatile read per batch.
/// </summary>
internal sealed class AuditWriteStatus(TimeProvider time)
{
    private volatile Failure? _failure;

    public string? Problem => _failure is { } failure
        ? $"Audit log not writable since {failure.Since:yyyy-MM-dd HH:mm:ss}Z: {failure.Reason.TrimEnd('.')}. Calls are refused until a record can be written."
        : null;

    public void Written()
    {
        if (_failure is not null)
        {
            _failure = null;
        }
    }

    /// <summary>Keeps the time of the first failure in a row and the reason of the latest.</summary>
    public void Failed(Exception exception) =>
        _failure = new Failure(_failure?.Since ?? time.GetUtcNow(), exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message);

    private sealed record Failure(DateTimeOffset Since, string Reason);
}
