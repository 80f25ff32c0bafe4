using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace ApprovalGateway.Approvals;

internal sealed class InProcessApprovalSignal : IApprovalSignal
{
    private readonly ConcurrentDictionary<string, ImmutableList<Action>> _subscribers = new(StringComparer.Ordinal);

    public void Publish(string approvalId)
    {
        if (_subscribers.TryGetValue(approvalId, out var handlers))
        {
            foreach (var handler in handlers)
            {
                handler();
            }
        }
    }

    /// <summary>Wakes every waiter, so each re-reads its approval: for when signals may have been missed.</summary>
    public void PublishAll()
    {
        foreach (var approvalId in _subscribers.Keys)
        {
            Publish(approvalId);
        }
    }

    public IDisposable Subscribe(string approvalId, Action onSignal)
    {
        _subscribers.AddOrUpdate(approvalId, static (_, h) => [h], static (_, list, h) => list.Add(h), onSignal);
        return new Subscription(this, approvalId, onSignal);
    }

    private void Unsubscribe(string approvalId, Action onSignal)
    {
        while (_subscribers.TryGetValue(approvalId, out var list))
        {
            var remaining = list.Remove(onSignal);
            var done = remaining.IsEmpty
                ? _subscribers.TryRemove(new KeyValuePair<string, ImmutableList<Action>>(approvalId, list))
                : _subscribers.TryUpdate(approvalId, remaining, list);
            if (done)
            {
                return;
            }
        }
    }

    private sealed class Subscription(InProcessApprovalSignal owner, string approvalId, Action onSignal) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(approvalId, onSignal);
            }
        }
    }
}
