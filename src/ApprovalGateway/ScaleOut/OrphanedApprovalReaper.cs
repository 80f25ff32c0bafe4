using ApprovalGateway.Approvals;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Every instance beats and, on each beat, withdraws the pending approvals held by instances whose heartbeat is
/// older than <see cref="ScaleOutOptions.InstanceTimeout"/>: their agents are gone with them, so an approver must
/// not approve a call that can no longer run. Entries of approvals that are no longer pending are swept.
/// </summary>
internal sealed class OrphanedApprovalReaper(
    HeldApprovals held,
    ApprovalStore store,
    TimeProvider time,
    IOptions<ScaleOutOptions> options,
    ILogger<OrphanedApprovalReaper> logger) : BackgroundService
{
    public const string InstanceStoppedReason = "Instance stopped: the gateway instance holding the call went away before a decision";

    private readonly Lock _gate = new();
    private bool _cutOff;
    private DateTimeOffset? _backSince;

    /// <summary>
    /// The beat has a loop of its own: a sweep slowed by a busy database or many held calls must never delay it, or
    /// the other instances would take this one for dead and withdraw calls it still holds.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            EveryIntervalAsync(() => { held.Beat(); Reached(); return Task.CompletedTask; }, stoppingToken),
            EveryIntervalAsync(() => ReapAsync(stoppingToken), stoppingToken));

    private async Task EveryIntervalAsync(Func<Task> work, CancellationToken stoppingToken)
    {
        // Off the caller's thread: the first beat is a synchronous write, and host start-up must not wait for it.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await work();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ReapFailed(logger, ex);
                lock (_gate)
                {
                    _cutOff = true;
                }

                // A database restart breaks every idle pooled connection, and Npgsql finds out only on use: without
                // this, approvers' requests and held calls would each trip over one of them after the restart.
                NpgsqlConnection.ClearAllPools();
            }

            try
            {
                await Task.Delay(options.Value.HeartbeatInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A beat got through: if storage had been out of reach, silence is counted from now on.</summary>
    private void Reached()
    {
        lock (_gate)
        {
            if (!_cutOff)
            {
                return;
            }

            _cutOff = false;
            _backSince = time.GetUtcNow();
        }

        Log.StorageBack(logger);
    }

    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Until a beat gets through again, the others' silence may be this instance's own outage.
            if (_cutOff)
            {
                return;
            }
        }

        var now = time.GetUtcNow();
        foreach (var (entry, instance, approvalId, lastBeat) in held.ReadAll())
        {
            var alive = instance == held.Instance || (lastBeat is { } beat && now - Since(beat) < options.Value.InstanceTimeout);
            var approval = alive ? store.Get(approvalId) : await store.UpdateAsync(approvalId, Withdraw, cancellationToken);
            if (!alive && approval is { Status: ApprovalStatus.Withdrawn, Reason: InstanceStoppedReason })
            {
                Log.OrphanWithdrawn(logger, approvalId, instance, lastBeat);
            }

            if (approval is null || approval.Status != ApprovalStatus.Pending)
            {
                held.Remove(entry);
            }
        }
    }

    /// <summary>
    /// Heartbeats could not be written while this instance was cut off from storage either (most likely a database
    /// outage, which every instance shares), so silence is counted only from when this instance got back.
    /// </summary>
    private DateTimeOffset Since(DateTimeOffset lastBeat)
    {
        lock (_gate)
        {
            return _backSince is { } back && back > lastBeat ? back : lastBeat;
        }
    }

    private ApprovalSnapshot Withdraw(ApprovalSnapshot approval) =>
        approval.Status == ApprovalStatus.Pending
            ? approval with { Status = ApprovalStatus.Withdrawn, Reason = InstanceStoppedReason, ResolvedAt = time.GetUtcNow() }
            : approval;
}
