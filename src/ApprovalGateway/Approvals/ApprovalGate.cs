using ApprovalGateway.Policy.Decisions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Holds one call: answers from a live grant at once, otherwise records the approval and waits for the signal
/// that follows every stored change. The deadline is enforced twice through the same compare-and-set: a local
/// TimeProvider timer here and the Hangfire expiry job for when this process is gone. When the host begins to stop,
/// every held call is withdrawn at once with <see cref="ApprovalText.ShuttingDownReason"/>: the agent is told, the
/// audit log records it and the prompts say so while the services that do that are still running, instead of the
/// calls holding the shutdown up until the host gives up on them.
/// </summary>
internal sealed class ApprovalGate(
    ApprovalStore store,
    IGrantStore grants,
    HeldCallLimit heldCalls,
    IApprovalSignal signal,
    TimeProvider time,
    IOptions<ApprovalOptions> options,
    ApprovalPageAddress page,
    IHostApplicationLifetime lifetime,
    ILogger<ApprovalGate> logger) : IApprovalGate
{
    private static readonly TimeSpan FirstReadRetry = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan BackstopRetry = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxReadRetry = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan FirstDiscardRetry = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MaxDiscardRetry = TimeSpan.FromSeconds(30);

    public async Task<ApprovalOutcome> RequestAsync(
        ApprovalRequest request,
        IProgress<ApprovalWaitStatus>? progress,
        CancellationToken cancellationToken,
        Func<string?>? cancelReason = null)
    {
        ApprovalGrant? grant;
        try
        {
            grant = grants.Find(request.Agent, request.Upstream, request.Tool, time.GetUtcNow());
        }
        catch (Exception ex)
        {
            return NotStored(request, ex);
        }

        if (grant?.Refusal(request, time.GetUtcNow()) is { } stale)
        {
            Log.GrantNotHonoured(logger, grant.ApprovalId, request.Agent, request.Tool, stale);
            grant = null;
        }

        if (grant is not null)
        {
            Log.ApprovedViaGrant(logger, request.Agent, request.Upstream, request.Tool, grant.ApprovalId, grant.Until);
            return new ApprovalOutcome(
                DecisionKind.Approved,
                grant.ApprovalId,
                grant.GrantedBy,
                ApprovalText.GrantUntil(grant.Until),
                ViaGrant: true);
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return new ApprovalOutcome(DecisionKind.Withdrawn, "", [], ApprovalText.ShuttingDownReason);
        }

        // Counted only where a prompt would go out: a call a grant answers asks nobody.
        if (!heldCalls.TryHold(request.Agent))
        {
            return new ApprovalOutcome(DecisionKind.RateLimited, "", [], heldCalls.Refusal(request.Agent));
        }

        try
        {
            return await HoldAsync(request, progress, cancelReason, cancellationToken);
        }
        finally
        {
            heldCalls.Release(request.Agent);
        }
    }

    private async Task<ApprovalOutcome> HoldAsync(
        ApprovalRequest request,
        IProgress<ApprovalWaitStatus>? progress,
        Func<string?>? cancelReason,
        CancellationToken cancellationToken)
    {
        ApprovalSnapshot created;
        try
        {
            created = store.Create(request);
        }
        catch (Exception ex)
        {
            return NotStored(request, ex);
        }

        var wake = new SemaphoreSlim(0);
        IDisposable subscription;
        try
        {
            subscription = SubscribeThenShow(created, () => wake.Release());
        }
        catch (Exception ex)
        {
            var refused = NotStored(request, ex, created.Id);
            await AbandonAsync(created);
            return refused;
        }

        using (subscription)
        {
            return await WaitAsync(created, wake, progress, cancelReason, cancellationToken);
        }
    }

    /// <summary>
    /// Subscribed before anyone is shown the approval: with shared storage the subscription records that this instance
    /// holds the call, and fails when it cannot. Shown first, or shown without the hold, an instance killed then left
    /// approvers an approval no survivor knew to withdraw, which stayed pending, or approved, for a call nobody could send.
    /// </summary>
    private IDisposable SubscribeThenShow(ApprovalSnapshot created, Action onSignal)
    {
        var subscription = signal.Subscribe(created.Id, onSignal);
        try
        {
            store.Show(created);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Clean-up after a call refused between storing its approval and showing it, or part way through showing it. The
    /// approval must not turn up later (pending once storage answers again, then expired into the history at its
    /// deadline), nor stay on a page or in a Slack prompt that was shown it before the failure, offering a decision on a
    /// call already refused (<see cref="ApprovalStore.DiscardAsync"/> tells them), nor a hold recorded for it have a
    /// survivor withdraw and record a call already answered, and recorded, as not stored. The call is refused anyway, so
    /// it does not wait for this: when storage is still down, the approval is ended in the background as soon as it
    /// answers again (<see cref="EndWhenStorageAnswersAsync"/>).
    /// </summary>
    private async Task AbandonAsync(ApprovalSnapshot created)
    {
        try
        {
            await store.DiscardAsync(created.Id);
        }
        catch (Exception ex)
        {
            Log.ApprovalNotDiscarded(logger, ex, created.Id, created.Deadline);
            _ = EndWhenStorageAnswersAsync(created);
        }

        signal.Abandon(created.Id);
    }

    /// <summary>
    /// Tries again to end an approval that could not be discarded, with a backoff, until storage answers or the
    /// approval's deadline, when its expiry job ends it anyway. Discarding marks the approval's outcome recorded
    /// without writing a record: the call's own record is the only one, however many tries this takes.
    /// </summary>
    private async Task EndWhenStorageAnswersAsync(ApprovalSnapshot created)
    {
        var retry = FirstDiscardRetry;
        var stopping = lifetime.ApplicationStopping;
        try
        {
            while (time.GetUtcNow() + retry < created.Deadline)
            {
                await Task.Delay(retry, time, stopping);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxDiscardRetry.Ticks));
                try
                {
                    await store.DiscardAsync(created.Id);
                }
                catch (Exception) when (!stopping.IsCancellationRequested)
                {
                    continue;
                }

                Log.ApprovalDiscardedLate(logger, created.Id);
                // The hold, if its release failed with the storage, goes now rather than with the next sweep.
                signal.Abandon(created.Id);
                return;
            }

            Log.ApprovalNotDiscardedByDeadline(logger, created.Id);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host stops first: the approval's expiry job ends it at its deadline, as it did before this retried.
        }
        catch (Exception ex)
        {
            // Nothing waits for this task: a failure here must not go unobserved.
            Log.ApprovalNotDiscarded(logger, ex, created.Id, created.Deadline);
        }
    }

    private async Task<ApprovalOutcome> WaitAsync(
        ApprovalSnapshot created,
        SemaphoreSlim wake,
        IProgress<ApprovalWaitStatus>? progress,
        Func<string?>? cancelReason,
        CancellationToken cancellationToken)
    {
        var id = created.Id;
        await ReleaseByLateGrantAsync(created);

        using var cancellation = cancellationToken.Register(() => wake.Release());
        using var stopping = lifetime.ApplicationStopping.Register(() => wake.Release());
        // The expiry job ends the approval at its deadline; this is for when it cannot (storage that lost it). A timer
        // may fire a moment before the clock reads the deadline (its due time is whole milliseconds), when expiring
        // is not yet due: so it tries again each second until the approval has ended.
        using var backstop = time.CreateTimer(_ => _ = ExpireAsync(id), null, Positive(created.Deadline - time.GetUtcNow()), BackstopRetry);
        using var reporter = progress is null ? null : StartProgress(created, progress);

        var retry = FirstReadRetry;
        while (true)
        {
            // Read after subscribing: a decision that landed before the subscription is seen here, not lost.
            ApprovalSnapshot? current;
            try
            {
                current = store.Get(id);
                retry = FirstReadRetry;
            }
            catch (Exception) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Storage unreachable as the host stops: the call ends now, and the approval, still pending in the
                // shared storage, is withdrawn by the surviving instances as their heartbeat check finds it orphaned.
                return new ApprovalOutcome(DecisionKind.Withdrawn, id, [], ApprovalText.ShuttingDownReason);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Storage unreachable (a database restart): the approval is still stored, so the call keeps waiting
                // and reads again on the next signal or, since signals may be lost meanwhile, after a backoff.
                Log.ApprovalReadFailed(logger, ex, id, retry);
                using var again = time.CreateTimer(_ => wake.Release(), null, retry, Timeout.InfiniteTimeSpan);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxReadRetry.Ticks));
                await wake.WaitAsync(CancellationToken.None);
                continue;
            }

            if (current is null)
            {
                Log.ApprovalVanished(logger, id);
                return new ApprovalOutcome(DecisionKind.Expired, id, [], "The pending approval was lost from storage");
            }

            if (current.Status != ApprovalStatus.Pending)
            {
                return Outcome(current);
            }

            if (cancellationToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                var reason = cancellationToken.IsCancellationRequested ? ApprovalText.Withdrawn(cancelReason?.Invoke()) : ApprovalText.ShuttingDownReason;
                var withdrawn = await store.UpdateAsync(id, a => Withdraw(a, reason), CancellationToken.None);
                return Outcome(withdrawn ?? current with { Status = ApprovalStatus.Withdrawn, Reason = reason });
            }

            await wake.WaitAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// A grant given after this call found none released the calls then waiting, and this one was not yet shown among
    /// them. The grant is recorded before that listing, and the approval is in the pending list before this check, so
    /// one of the two always sees the other; where both do, the store's compare-and-set releases the call once. Failing
    /// here, the call waits for a decision of its own, as it would have without the grant.
    /// </summary>
    private async Task ReleaseByLateGrantAsync(ApprovalSnapshot created)
    {
        var request = created.Request;
        try
        {
            if (grants.Find(request.Agent, request.Upstream, request.Tool, time.GetUtcNow()) is { } grant)
            {
                await store.ReleaseByGrantAsync(created.Id, grant);
            }
        }
        catch (Exception ex)
        {
            Log.LateGrantCheckFailed(logger, ex, created.Id);
        }
    }

    /// <summary>
    /// Fail closed, with the reason: an approval that cannot be stored can be neither shown nor decided. One stored before
    /// the hold or showing failed keeps its id in the outcome, so the call's record names the approval an approver may
    /// have seen (or finds in the dashboard), ended as not stored.
    /// </summary>
    private ApprovalOutcome NotStored(ApprovalRequest request, Exception ex, string approvalId = "")
    {
        Log.ApprovalNotStored(logger, ex, request.Agent, request.Upstream, request.Tool);
        return new ApprovalOutcome(DecisionKind.Withdrawn, approvalId, [], ApprovalText.NotStoredReason, NotHeld: true);
    }

    private ApprovalSnapshot Withdraw(ApprovalSnapshot approval, string reason) =>
        approval.Status == ApprovalStatus.Pending
            ? approval with { Status = ApprovalStatus.Withdrawn, Reason = reason, ResolvedAt = time.GetUtcNow() }
            : approval;

    private async Task ExpireAsync(string approvalId)
    {
        try
        {
            await store.ExpireAsync(approvalId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.BackstopFailed(logger, ex, approvalId);
        }
    }

    private ITimer StartProgress(ApprovalSnapshot approval, IProgress<ApprovalWaitStatus> progress)
    {
        Report(approval, progress);
        var interval = options.Value.ProgressInterval;
        return time.CreateTimer(_ => Report(approval, progress), null, interval, interval);
    }

    private void Report(ApprovalSnapshot approval, IProgress<ApprovalWaitStatus> progress)
    {
        try
        {
            var remaining = Positive(approval.Deadline - time.GetUtcNow());
            progress.Report(new ApprovalWaitStatus(approval.Id, ApprovalText.Waiting(approval, options.Value.SlackChannel, options.Value.SlackEnabled, page.Url, remaining), remaining));
        }
        catch (Exception ex)
        {
            Log.ProgressFailed(logger, ex, approval.Id);
        }
    }

    private static ApprovalOutcome Outcome(ApprovalSnapshot approval) => approval.Status switch
    {
        ApprovalStatus.Approved when approval.ReleasedByGrant is { } grant =>
            new(DecisionKind.Approved, approval.Id, grant.GrantedBy, ApprovalText.GrantUntil(grant.Until), GrantApprovalId: grant.ApprovalId),
        ApprovalStatus.Approved => new(DecisionKind.Approved, approval.Id, [.. approval.Votes.Where(v => v.Approve).Select(v => v.Approver)], approval.Reason),
        ApprovalStatus.Rejected => new(DecisionKind.Rejected, approval.Id, [.. approval.Votes.Where(v => !v.Approve).Select(v => v.Approver)], approval.Reason),
        ApprovalStatus.Expired => new(DecisionKind.Expired, approval.Id, [], approval.Reason),
        ApprovalStatus.Withdrawn => new(DecisionKind.Withdrawn, approval.Id, [], approval.Reason),
        _ => throw new InvalidOperationException($"Approval {approval.Id} is still pending"),
    };

    private static TimeSpan Positive(TimeSpan span) => span > TimeSpan.Zero ? span : TimeSpan.Zero;
}
