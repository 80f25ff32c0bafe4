using ApprovalGateway.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// The shared PostgreSQL storage as this instance's heartbeat last found it (<see cref="OrphanedApprovalReaper"/>):
/// unreachable from the first beat or sweep that failed until the next beat that gets through.
/// </summary>
internal sealed class SharedStorageHealth(TimeProvider time) : IHealthSignal
{
    private string? _problem;

    public string? Problem => Volatile.Read(ref _problem);

    public void Unreachable(Exception exception) =>
        Interlocked.CompareExchange(
            ref _problem,
            $"Shared storage (Hangfire:ConnectionString, PostgreSQL) unreachable since {time.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z: {exception.Message}. Calls that need approval, a shared rate limit or a PostgreSQL audit record are refused until it is back.",
            null);

    public void Reachable() => Volatile.Write(ref _problem, null);
}
