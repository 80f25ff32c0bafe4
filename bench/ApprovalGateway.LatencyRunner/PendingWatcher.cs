using System.Collections.Concurrent;
using System.Threading.Channels;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// Sees every approval the moment it is stored (an extra observer beside the live page's), so the runner neither
/// polls the REST list nor misses one.
/// </summary>
internal sealed class PendingWatcher : IApprovalObserver
{
    private readonly Channel<ApprovalSnapshot> _created = Channel.CreateUnbounded<ApprovalSnapshot>();
    private int _pending;
    private int _resolved;

    public ChannelReader<ApprovalSnapshot> Created => _created.Reader;

    public ConcurrentQueue<string> PendingIds { get; } = new();

    public int Pending => Volatile.Read(ref _pending);

    public int Resolved => Volatile.Read(ref _resolved);

    public void OnChanged(ApprovalSnapshot approval)
    {
        if (approval.Status == ApprovalStatus.Pending && approval.Votes.Count == 0)
        {
            Interlocked.Increment(ref _pending);
            PendingIds.Enqueue(approval.Id);
            _created.Writer.TryWrite(approval);
        }
        else if (approval.Status != ApprovalStatus.Pending)
        {
            Interlocked.Increment(ref _resolved);
        }
    }
}
