using System.Collections.Concurrent;
using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// Wraps the gateway's real audit log and signals each durable append, for the one outcome the agent cannot
/// wait for itself: a call it withdrew, whose record is written after the agent stopped listening.
/// </summary>
internal sealed class AuditAppendWatcher(IAuditLog inner) : IAuditLog
{
    private readonly ConcurrentQueue<(string Outcome, TaskCompletionSource<AuditRecord> Done)> _waiters = new();
    private readonly ConcurrentQueue<AuditRecord> _written = new();

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await inner.AppendAsync(record, cancellationToken);
        _written.Enqueue(record);
        foreach (var (outcome, done) in _waiters)
        {
            if (record.Outcome == outcome)
            {
                done.TrySetResult(record);
            }
        }
    }

    public IReadOnlyList<AuditRecord> Recent(int limit) => inner.Recent(limit);

    public Task<AuditRecord> WaitForOutcomeAsync(string outcome)
    {
        var done = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((outcome, done));
        if (_written.FirstOrDefault(r => r.Outcome == outcome) is { } already)
        {
            done.TrySetResult(already);
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
