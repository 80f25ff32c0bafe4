using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>Records every snapshot the approval service publishes and lets a test await one.</summary>
internal sealed class RecordingObserver : IApprovalObserver
{
    private readonly Lock _lock = new();
    private readonly List<ApprovalSnapshot> _seen = [];
    private readonly List<(Func<ApprovalSnapshot, bool> Match, TaskCompletionSource<ApprovalSnapshot> Done)> _waiters = [];

    public IReadOnlyList<ApprovalSnapshot> Seen
    {
        get
        {
            lock (_lock)
            {
                return [.. _seen];
            }
        }
    }

    public void OnChanged(ApprovalSnapshot approval)
    {
        List<TaskCompletionSource<ApprovalSnapshot>> matched = [];
        lock (_lock)
        {
            _seen.Add(approval);
            foreach (var waiter in _waiters.Where(w => w.Match(approval)).ToList())
            {
                _waiters.Remove(waiter);
                matched.Add(waiter.Done);
            }
        }

        matched.ForEach(done => done.TrySetResult(approval));
    }

    public Task<ApprovalSnapshot> WaitForAsync(Func<ApprovalSnapshot, bool> match)
    {
        lock (_lock)
        {
            if (_seen.FirstOrDefault(match) is { } seen)
            {
                return Task.FromResult(seen);
            }

            var done = new TaskCompletionSource<ApprovalSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));

            // A guard against hanging the run, not a timing assertion.
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public Task<ApprovalSnapshot> WaitForAsync(ApprovalStatus status, string? approvalId = null) =>
        WaitForAsync(a => a.Status == status && (approvalId is null || a.Id == approvalId));
}
