using Hangfire;
using Hangfire.Storage;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>
/// Hangfire storage that can be made unreachable, as a database is when it restarts: for its next connection only, or
/// for every one until it comes back. Connections opened before are not affected.
/// </summary>
internal sealed class FailingJobStorage(JobStorage inner) : JobStorage
{
    private int _failNext;
    private volatile bool _down;

    public void FailNextConnection() => Volatile.Write(ref _failNext, 1);

    public void GoDown() => _down = true;

    public void ComeBack() => _down = false;

    public override IStorageConnection GetConnection() =>
        _down || Interlocked.Exchange(ref _failNext, 0) == 1
            ? throw new InvalidOperationException("Storage unreachable (made so by the test)")
            : inner.GetConnection();

    public override IMonitoringApi GetMonitoringApi() => inner.GetMonitoringApi();
}
