using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// Wraps the gateway's real audit log (records still go to its file) and signals each append, so a test can
/// wait for the record of a call whose agent already gave up (a cancelled call gets no answer to wait on).
/// </summary>
internal sealed class ApprovalAuditWatch(IAuditLog inner) : IAuditLog
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private readonly Lock gate = new();
    private readonly List<AuditRecord> appended = [];
    private readonly List<(Func<AuditRecord, bool> Match, TaskCompletionSource<AuditRecord> Signal)> waiters = [];

    public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await inner.AppendAsync(record, cancellationToken);
        List<TaskCompletionSource<AuditRecord>> ready = [];
        lock (gate)
        {
            appended.Add(record);
            foreach (var waiter in waiters.Where(w => w.Match(record)).ToList())
            {
                waiters.Remove(waiter);
                ready.Add(waiter.Signal);
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult(record);
        }
    }

    public IReadOnlyList<AuditRecord> Recent(int limit) => inner.Recent(limit);

    public async Task<AuditRecord> WaitForAsync(Func<AuditRecord, bool> match, string what)
    {
        var signal = new TaskCompletionSource<AuditRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (appended.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }

            waiters.Add((match, signal));
        }

        try
        {
            return await signal.Task.WaitAsync(Guard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The gateway did not audit {what} within {Guard.TotalSeconds} s.");
        }
    }
}
