using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Proxy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Every instance beats and, on each beat, withdraws the pending approvals held by instances whose heartbeat is
/// older than <see cref="ScaleOutOptions.InstanceTimeout"/>: their agents are gone with them, so an approver must
/// not approve a call that can no longer run. A call approved after its instance died (within the timeout, before
/// the survivors noticed) was never released either, so it is withdrawn too, saying it was not sent. A call rejected,
/// expired or withdrawn whose instance died before writing its record gets that record here. Exactly one survivor
/// writes each missing record (<see cref="ApprovalStore.RecordOutcomeAsync"/>), and a hold is swept once its
/// approval's outcome is recorded. Each sweep also compares the live instances' policies (<see cref="PolicyAgreement"/>).
/// </summary>
internal sealed class OrphanedApprovalReaper(
    HeldApprovals held,
    PolicyAgreement agreement,
    ApprovalStore store,
    IAuditLog audit,
    GatewayMetrics metrics,
    TimeProvider time,
    IOptions<ScaleOutOptions> options,
    ILogger<OrphanedApprovalReaper> logger) : BackgroundService, IHealthSignal
{
    public const string InstanceStoppedReason = "Instance stopped: the gateway instance holding the call went away before a decision";

    public const string InstanceStoppedAfterApprovalReason =
        "Instance stopped: the gateway instance holding the call went away before it could send it, so the approved call was not sent";

    private readonly Lock _gate = new();
    /// <summary>Why storage is out of reach, from the first beat or sweep that failed until a beat gets through; null while it is not.</summary>
    private string? _cutOff;
    private DateTimeOffset? _backSince;

    /// <summary>The shared storage as this instance's heartbeat last found it, for <c>/healthz</c>.</summary>
    public string? Problem
    {
        get
        {
            lock (_gate)
            {
                return _cutOff;
            }
        }
    }

    /// <summary>
    /// The beat has a loop of its own: a sweep slowed by a busy database or many held calls must never delay it, or
    /// the other instances would take this one for dead and withdraw calls it still holds.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The survivors name this instance by both should it die holding calls: this line ties the id to a host and log.
        Log.InstanceStarted(logger, held.Instance, held.Name);
        return Task.WhenAll(
            EveryIntervalAsync(() => { held.Beat(); Reached(); return Task.CompletedTask; }, stoppingToken),
            EveryIntervalAsync(() => ReapAsync(stoppingToken), stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            agreement.Leave();
        }
        catch (Exception ex)
        {
            // The others stop counting this instance once its entry is older than ScaleOut:InstanceTimeout.
            Log.PolicyEntryNotRemoved(logger, ex);
        }
    }

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
                lock (_gate)
                {
                    _cutOff ??= $"Shared storage (Hangfire:ConnectionString, PostgreSQL) unreachable since {time.GetUtcNow():yyyy-MM-dd HH:mm:ss}Z: {ex.Message}. Calls that need approval, a shared rate limit or a PostgreSQL audit record are refused until it is back.";
                }

                Log.ReapFailed(logger, ex);

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
            if (_cutOff is null)
            {
                return;
            }

            _cutOff = null;
            _backSince = time.GetUtcNow();
        }

        Log.StorageBack(logger);
    }

    private async Task ReapAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Until a beat gets through again, the others' silence may be this instance's own outage.
            if (_cutOff is not null)
            {
                return;
            }
        }

        var now = time.GetUtcNow();
        foreach (var (entry, instance, approvalId, beat) in held.ReadAll())
        {
            var alive = instance == held.Instance || (beat.At is { } at && now - Since(at) < options.Value.InstanceTimeout);
            var approval = store.Get(approvalId);

            // A live instance records its own calls. For a dead one's, the survivor whose compare-and-set writes the
            // record marks the approval recorded under its lock: the others then find it recorded and write nothing.
            if (!alive && approval is { OutcomeRecorded: false })
            {
                (approval, _) = await store.RecordOutcomeAsync(
                    approvalId, Withdraw, (before, after) => RecordAsync(before, after, beat.NameOrUnknown, instance, beat.At), cancellationToken);
            }

            // A hold stays until its outcome is recorded, so the survivors can record it should its instance die first.
            if (approval is null or { OutcomeRecorded: true })
            {
                held.Remove(entry);
            }
        }

        // After the held calls, and on its own: a comparison that fails must not hold up their withdrawal.
        try
        {
            agreement.Check();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.PolicyComparisonFailed(logger, ex);
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

    /// <summary>
    /// An approved call whose outcome is not recorded was never sent: its instance writes the call's first record
    /// before it sends it, so the approval on record is withdrawn rather than left saying "approved" for a call never sent.
    /// </summary>
    private ApprovalSnapshot Withdraw(ApprovalSnapshot approval) => approval.Status switch
    {
        ApprovalStatus.Pending => approval with { Status = ApprovalStatus.Withdrawn, Reason = InstanceStoppedReason, ResolvedAt = time.GetUtcNow() },
        ApprovalStatus.Approved => approval with { Status = ApprovalStatus.Withdrawn, Reason = InstanceStoppedAfterApprovalReason },
        _ => approval,
    };

    /// <summary>
    /// The record the stopped instance would have written for the call had it lived to answer it: how its approval
    /// ended, or that it was withdrawn because nobody was left to send it. False when it could not be written.
    /// </summary>
    private async Task<bool> RecordAsync(ApprovalSnapshot before, ApprovalSnapshot ended, string instanceName, string instance, DateTimeOffset? lastBeat)
    {
        var request = ended.Request;
        var (outcome, reason, decidedBy) = ended.Status switch
        {
            ApprovalStatus.Rejected => (DecisionKind.Rejected, ended.Reason ?? $"rejected by {ApprovalText.Approvers(ended, approve: false)}", Voters(ended, approve: false)),
            ApprovalStatus.Expired => (DecisionKind.Expired, $"approval timed out after {ToolCallPipeline.FormatDuration(request.Settings.Timeout)}", []),
            _ when before.Status == ApprovalStatus.Approved => (
                DecisionKind.Withdrawn,
                $"approved by {ApprovalText.ApprovedBy(before)}, but the gateway instance holding the call went away before it could send it, so it was not sent",
                Voters(before, approve: true)),
            _ => (DecisionKind.Withdrawn, ended.Reason ?? InstanceStoppedReason, (IReadOnlyList<string>)[]),
        };
        var now = time.GetUtcNow();
        var record = new AuditRecord(
            now,
            request.Agent,
            request.SessionId,
            request.Upstream,
            request.Tool,
            SecretMasker.MaskCopy(request.FrozenArguments),
            request.ArgumentsSha256,
            DecisionKind.ApprovalRequired.ToWireName(),
            request.Rule,
            outcome.ToWireName(),
            reason,
            ended.Id,
            decidedBy,
            request.Risk.Risk.ToString().ToLowerInvariant(),
            0,
            (now - ended.RequestedAt).TotalMilliseconds,
            0,
            (now - ended.RequestedAt).TotalMilliseconds);
        try
        {
            await audit.AppendAsync(record, CancellationToken.None);
            metrics.CallEnded(record);
        }
        catch (Exception ex)
        {
            // Not marked recorded: the next sweep tries again.
            metrics.AuditFailed(record);
            Log.OrphanNotAudited(logger, ex, ended.Id);
            return false;
        }

        if (ended.Status == ApprovalStatus.Withdrawn && before.Status != ApprovalStatus.Withdrawn)
        {
            Log.OrphanWithdrawn(logger, ended.Id, instanceName, instance, lastBeat);
        }
        else
        {
            Log.OrphanOutcomeRecorded(logger, ended.Id, ended.Status, instanceName, instance, lastBeat);
        }

        return true;
    }

    private static IReadOnlyList<string> Voters(ApprovalSnapshot approval, bool approve) =>
        approve && approval.ReleasedByGrant is { } grant ? grant.GrantedBy : [.. approval.Votes.Where(v => v.Approve == approve).Select(v => v.Approver)];
}
