using System.Collections.Concurrent;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Sees every approval change inside the gateway, so a test waits for "pending" on a signal, not a poll.</summary>
internal sealed class WebApprovalWatcher : IApprovalObserver
{
    private readonly ConcurrentQueue<(Func<ApprovalSnapshot, bool> Match, TaskCompletionSource<ApprovalSnapshot> Done)> _waiters = new();
    private readonly ConcurrentQueue<ApprovalSnapshot> _seen = new();

    public void OnChanged(ApprovalSnapshot approval)
    {
        _seen.Enqueue(approval);
        foreach (var (match, done) in _waiters)
        {
            if (match(approval))
            {
                done.TrySetResult(approval);
            }
        }
    }

    /// <summary>The first change, past or future, to an approval of <paramref name="tool"/> in <paramref name="status"/>.</summary>
    public Task<ApprovalSnapshot> WaitForAsync(string tool, ApprovalStatus status)
    {
        bool Match(ApprovalSnapshot a) => a.Request.Tool == tool && a.Status == status;
        var done = new TaskCompletionSource<ApprovalSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Enqueue((Match, done));
        if (_seen.FirstOrDefault(Match) is { } already)
        {
            done.TrySetResult(already);
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Forgets what was seen, so the next wait is for a new approval.</summary>
    public void Clear() => _seen.Clear();
}
