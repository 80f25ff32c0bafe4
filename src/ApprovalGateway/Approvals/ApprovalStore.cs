using System.Diagnostics;
using System.Text.Json;
using ApprovalGateway.Policy.Arguments;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Pending approvals in Hangfire storage. An approval IS its expiry job: the job id is the approval id, the job is
/// Scheduled at the deadline (so pending approvals show in the dashboard), and its job parameters hold the
/// request and the decision. Every change is a compare-and-set: read, decide and write under the approval's
/// distributed lock, then tell observers and wake waiters. The job's own Hangfire state only mirrors the outcome:
/// a CAS on job state alone would refuse valid votes while the expiry job is enqueued or running early.
/// </summary>
internal sealed class ApprovalStore(
    JobStorage storage,
    IBackgroundJobClientV2 jobs,
    IGrantStore grants,
    IApprovalSignal signal,
    TimeProvider time,
    IServiceProvider services,
    IOptions<ApprovalOptions> options,
    ILogger<ApprovalStore> logger)
{
    /// <summary>One try at an approval's lock (see <see cref="AcquireLockAsync"/>).</summary>
    private static readonly TimeSpan LockAttempt = TimeSpan.FromMilliseconds(20);

    private const string ApprovalParameter = "approval";
    private const string DecisionParameter = "decision";
    private const string PendingSet = "approvals:pending";
    private const string RecentList = "approvals:recent";

    // Contenders inside this process queue here asynchronously, so only one thread per approval blocks on the storage lock.
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 32).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>
    /// Stores a new approval without showing it to anyone: <see cref="Show"/> does that once the call is held, so that
    /// with shared storage an approval an approver can see is always one the other instances can find and withdraw
    /// should the instance holding its call die.
    /// </summary>
    public ApprovalSnapshot Create(ApprovalRequest request)
    {
        var now = time.GetUtcNow();
        // Kept with secrets masked: storage (and the dashboard that shows it) never holds them. The call that waits
        // forwards its own frozen arguments, not these, and every reader of these masks them anyway.
        var masked = request with { FrozenArguments = SecretMasker.MaskCopy(request.FrozenArguments) ?? [] };
        var stored = new StoredApproval(masked, now, now + request.Settings.Timeout);
        var decision = new StoredDecision(ApprovalStatus.Pending, [], null, null);
        var (agent, upstream, tool) = (request.Agent, request.Upstream, request.Tool);
        var job = Job.FromExpression<ApprovalExpiryJob>(j => j.ExpireAsync(agent, upstream, tool, null!));
        var id = jobs.Create(
            job,
            new ScheduledState(stored.Deadline - now) { Reason = $"Waiting for approval until {stored.Deadline:u}" },
            new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [ApprovalParameter] = JsonSerializer.Serialize(stored, ApprovalStorageJsonContext.Default.StoredApproval),
                [DecisionParameter] = JsonSerializer.Serialize(decision, ApprovalStorageJsonContext.Default.StoredDecision),
            });
        return ToSnapshot(id, stored, decision);
    }

    /// <summary>Puts a created approval before the approvers: in the pending list, on the pages and prompts, and on other instances.</summary>
    public void Show(ApprovalSnapshot created)
    {
        using (var connection = storage.GetConnection())
        using (var transaction = connection.CreateWriteTransaction())
        {
            transaction.AddToSet(PendingSet, created.Id, created.RequestedAt.ToUnixTimeMilliseconds());
            transaction.Commit();
        }

        var request = created.Request;
        Log.ApprovalCreated(logger, created.Id, request.Agent, request.Upstream, request.Tool, request.Rule, created.Deadline);
        Notify(created);

        // The signal tells other instances, whose pages may need to show it.
        signal.Publish(created.Id);
    }

    /// <summary>
    /// Ends an approval whose call was refused as not stored, because holding or showing it failed: withdrawn as not
    /// stored, its outcome marked recorded (the call's record is written without it) so no survivor records the call
    /// again. One that never reached the pending list was shown to nobody, since observers and other instances hear of
    /// an approval only after that: it ends silently, its expiry job deleted so it does not expire into the history at
    /// its deadline. One that did (showing failed after that step, or the pending list's write was applied though its
    /// answer was lost) may be on a page, in a Slack prompt or on another instance: it is resolved the normal way, so
    /// the pages drop it and the prompts say why, instead of offering a decision on a call already refused.
    /// </summary>
    public async Task DiscardAsync(string approvalId)
    {
        var (discarded, shown) = await LockedAsync(approvalId, connection =>
        {
            if (Read(connection, approvalId) is not { Status: ApprovalStatus.Pending, OutcomeRecorded: false } approval)
            {
                return Task.FromResult((false, false));
            }

            var withdrawn = approval with
            {
                Status = ApprovalStatus.Withdrawn,
                Reason = ApprovalText.NotStoredReason,
                ResolvedAt = time.GetUtcNow(),
                OutcomeRecorded = true,
            };
            // Showing begins with the pending list; the set holds only the calls held now, so reading it whole is cheap.
            if (connection.GetAllItemsFromSet(PendingSet).Contains(approvalId))
            {
                Change(connection, approval, withdrawn);
                return Task.FromResult((true, true));
            }

            WriteDecision(connection, withdrawn);
            return Task.FromResult((true, false));
        }, CancellationToken.None);
        if (shown)
        {
            // Other instances' pages show what their instance pushes: they hear of the withdrawal as of any change.
            signal.Publish(approvalId);
            return;
        }

        if (!discarded)
        {
            return;
        }

        try
        {
            jobs.ChangeState(approvalId, new DeletedState { Reason = "Never shown: its call was refused as not stored" }, expectedState: null);
        }
        catch (Exception ex)
        {
            // The stored decision already stands, and the expiry job leaves an approval no longer pending alone.
            Log.JobStateNotChanged(logger, ex, approvalId, ApprovalStatus.Withdrawn);
        }
    }

    public ApprovalSnapshot? Get(string approvalId)
    {
        using var connection = storage.GetConnection();
        return Read(connection, approvalId);
    }

    public IReadOnlyList<ApprovalSnapshot> List(ApprovalStatus? status)
    {
        using var connection = (JobStorageConnection)storage.GetConnection();
        IEnumerable<string> ids = connection.GetAllItemsFromSet(PendingSet);
        if (status is not ApprovalStatus.Pending)
        {
            ids = ids.Union(connection.GetRangeFromList(RecentList, 0, options.Value.RecentCount - 1), StringComparer.Ordinal);
        }

        return [.. ids
            .Select(id => Read(connection, id))
            .OfType<ApprovalSnapshot>()
            .Where(a => status is null || a.Status == status)
            .OrderByDescending(a => a.RequestedAt)];
    }

    /// <summary>
    /// The compare-and-set: <paramref name="change"/> sees the stored approval under its lock and returns it
    /// unchanged (nothing happens) or changed (stored, observed, signalled). Null when the approval is unknown.
    /// </summary>
    public async Task<ApprovalSnapshot?> UpdateAsync(
        string approvalId,
        Func<ApprovalSnapshot, ApprovalSnapshot> change,
        CancellationToken cancellationToken)
    {
        var changed = false;
        var approval = await LockedAsync(approvalId, connection =>
        {
            var before = Read(connection, approvalId);
            if (before is null)
            {
                return Task.FromResult<ApprovalSnapshot?>(null);
            }

            var after = Change(connection, before, change(before));
            changed = !ReferenceEquals(after, before);
            return Task.FromResult<ApprovalSnapshot?>(after);
        }, cancellationToken);
        SignalIfChanged(changed, approvalId);
        return approval;
    }

    /// <summary>
    /// Writes the one audit record of how an approval ended, whichever instance writes it. Under the approval's lock:
    /// nothing when its outcome is already recorded; otherwise <paramref name="change"/> may end it (stored as by
    /// <see cref="UpdateAsync"/>), then <paramref name="record"/> writes the record of an ended approval and, if it
    /// succeeds, the approval is marked recorded. Recording first and marking after means a crash in between leaves a
    /// second record later rather than none. Returns the approval as it stands (null when unknown) and whether
    /// <paramref name="record"/> wrote it here.
    /// </summary>
    public async Task<(ApprovalSnapshot? Approval, bool Written)> RecordOutcomeAsync(
        string approvalId,
        Func<ApprovalSnapshot, ApprovalSnapshot> change,
        Func<ApprovalSnapshot, ApprovalSnapshot, Task<bool>> record,
        CancellationToken cancellationToken)
    {
        var changed = false;
        var outcome = await LockedAsync<(ApprovalSnapshot?, bool)>(approvalId, async connection =>
        {
            var before = Read(connection, approvalId);
            if (before is null || before.OutcomeRecorded)
            {
                return (before, false);
            }

            var after = Change(connection, before, change(before));
            changed = !ReferenceEquals(after, before);
            if (after.Status == ApprovalStatus.Pending || !await record(before, after))
            {
                return (after, false);
            }

            var recorded = after with { OutcomeRecorded = true };
            try
            {
                // Only the mark: the prompts and pages have nothing new to show.
                WriteDecision(connection, recorded);
            }
            catch (Exception ex)
            {
                Log.OutcomeNotMarked(logger, ex, approvalId);
                return (after, true);
            }

            return (recorded, true);
        }, cancellationToken);
        SignalIfChanged(changed, approvalId);
        return outcome;
    }

    private async Task<T> LockedAsync<T>(string approvalId, Func<IStorageConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        var gate = _gates[(uint)StringComparer.Ordinal.GetHashCode(approvalId) % (uint)_gates.Length];
        await gate.WaitAsync(cancellationToken);
        try
        {
            using var connection = storage.GetConnection();
            using var storageLock = await AcquireLockAsync(connection, approvalId, cancellationToken);
            return await work(connection);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The approval's storage lock, tried in short attempts until <see cref="ApprovalOptions.LockTimeout"/>.
    /// Hangfire.PostgreSql polls a taken lock at intervals that grow with the timeout asked for: with the whole
    /// timeout in one attempt, a call woken by a decision whose lock was still held waited about a second for its
    /// outcome record, where the holder let go within milliseconds.
    /// </summary>
    private async Task<IDisposable> AcquireLockAsync(IStorageConnection connection, string approvalId, CancellationToken cancellationToken)
    {
        var resource = $"approvals:lock:{approvalId}";
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return connection.AcquireDistributedLock(resource, LockAttempt);
            }
            catch (Exception ex) when ((ex is DistributedLockTimeoutException or PostgreSqlDistributedLockException)
                && Stopwatch.GetElapsedTime(started) < options.Value.LockTimeout)
            {
                await Task.Delay(LockAttempt, cancellationToken);
            }
        }
    }

    /// <summary>The compare-and-set's write: nothing when <paramref name="after"/> is <paramref name="before"/>.</summary>
    private ApprovalSnapshot Change(IStorageConnection connection, ApprovalSnapshot before, ApprovalSnapshot after)
    {
        if (ReferenceEquals(after, before))
        {
            return before;
        }

        Write(connection, before, after);

        // Observers run under the lock so every channel sees the changes of one approval in order.
        Notify(after);
        return after;
    }

    /// <summary>
    /// Wakes the calls waiting on the approval, once its lock is released: a call woken while the lock is still held
    /// takes it at once to record its outcome, and waits out the storage's lock retry (up to a second on PostgreSQL).
    /// </summary>
    private void SignalIfChanged(bool changed, string approvalId)
    {
        if (changed)
        {
            signal.Publish(approvalId);
        }
    }

    public Task<ApprovalSnapshot?> ExpireAsync(string approvalId, CancellationToken cancellationToken) =>
        UpdateAsync(approvalId, approval =>
        {
            var now = time.GetUtcNow();
            return approval.Status == ApprovalStatus.Pending && now >= approval.Deadline ? Expired(approval, now) : approval;
        }, cancellationToken);

    public static ApprovalSnapshot Expired(ApprovalSnapshot approval, DateTimeOffset now) =>
        approval with { Status = ApprovalStatus.Expired, Reason = ApprovalText.ExpiredReason(approval), ResolvedAt = now };

    /// <summary>
    /// Approves waiting approval <paramref name="approvalId"/> on the strength of <paramref name="grant"/>, when the grant
    /// would have let the call through had it arrived now (the same check a later call meets): still pending, before its
    /// deadline and the grant's end, under the rule and number of approvers the grant was given for. The compare-and-set
    /// leaves one decided meanwhile as it was, so a call both the grant and the call's own check release is released once.
    /// True when this released it.
    /// </summary>
    public async Task<bool> ReleaseByGrantAsync(string approvalId, ApprovalGrant grant)
    {
        var release = new GrantRelease(grant.ApprovalId, grant.GrantedBy, grant.Until);
        var released = false;
        await UpdateAsync(approvalId, approval =>
        {
            var now = time.GetUtcNow();
            if (approval.Status != ApprovalStatus.Pending || now >= approval.Deadline || now >= grant.Until || grant.Refusal(approval.Request, now) is not null)
            {
                return approval;
            }

            released = true;
            return approval with { Status = ApprovalStatus.Approved, ResolvedAt = now, ReleasedByGrant = release };
        }, CancellationToken.None);
        if (released)
        {
            Log.ReleasedByGrant(logger, approvalId, grant.ApprovalId);
        }

        return released;
    }

    /// <summary>
    /// Notes on approval <paramref name="approvalId"/> that its time-boxed grant was ended, so its prompts say so.
    /// Null when the approval is no longer stored.
    /// </summary>
    public Task<ApprovalSnapshot?> NoteGrantRevokedAsync(string approvalId, GrantRevocationNote note) =>
        UpdateAsync(
            approvalId,
            approval => approval.Status == ApprovalStatus.Approved && approval.GrantRevoked is null ? approval with { GrantRevoked = note } : approval,
            CancellationToken.None);

    private static void WriteDecision(IStorageConnection connection, ApprovalSnapshot approval)
    {
        var decision = new StoredDecision(approval.Status, approval.Votes, approval.Reason, approval.ResolvedAt, approval.GrantRevoked, approval.OutcomeRecorded,
            approval.ReleasedByGrant, approval.GrantLimit);
        connection.SetJobParameter(
            approval.Id,
            DecisionParameter,
            SerializationHelper.Serialize(JsonSerializer.Serialize(decision, ApprovalStorageJsonContext.Default.StoredDecision), SerializationOption.User));
    }

    private void Write(IStorageConnection connection, ApprovalSnapshot before, ApprovalSnapshot approval)
    {
        WriteDecision(connection, approval);

        // Resolving happens once: a later change to a resolved approval (its grant revoked) must not give the grant again.
        if (approval.Status == ApprovalStatus.Pending || before.Status != ApprovalStatus.Pending)
        {
            return;
        }

        RecordGrant(approval);
        using (var transaction = connection.CreateWriteTransaction())
        {
            transaction.RemoveFromSet(PendingSet, approval.Id);
            transaction.InsertToList(RecentList, approval.Id);
            transaction.TrimList(RecentList, 0, options.Value.RecentCount - 1);
            transaction.Commit();
        }

        try
        {
            jobs.ChangeState(approval.Id, new ApprovalResolvedState(approval), expectedState: null);
        }
        catch (Exception ex)
        {
            // The stored decision already stands; the job's state is only how the dashboard shows it.
            Log.JobStateNotChanged(logger, ex, approval.Id, approval.Status);
        }

        Log.ApprovalResolved(logger, approval.Id, ApprovalText.Summary(approval));
    }

    private void RecordGrant(ApprovalSnapshot approval)
    {
        if (ApprovalGrant.MinutesGiven(approval) is not { } minutes)
        {
            return;
        }

        var request = approval.Request;
        var at = approval.ResolvedAt ?? time.GetUtcNow();
        var grant = new ApprovalGrant(
            request.Agent, request.Upstream, request.Tool, at.AddMinutes(minutes), approval.Id,
            [.. approval.Votes.Where(v => v.Approve).Select(v => v.Approver)], request.Rule, at);
        grants.Add(grant);
        Log.GrantRecorded(logger, approval.Id, request.Agent, request.Upstream, request.Tool, at.AddMinutes(minutes));
        GrantObservers.Notify(services.GetServices<IGrantObserver>(), approval.Id, logger);
        GrantObservers.NotifyGiven(services.GetServices<IGrantGivenObserver>(), grant, logger);
    }

    private void Notify(ApprovalSnapshot approval)
    {
        foreach (var observer in services.GetServices<IApprovalObserver>())
        {
            try
            {
                observer.OnChanged(approval);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(logger, ex, observer.GetType().Name, approval.Id);
            }
        }
    }

    private static ApprovalSnapshot? Read(IStorageConnection connection, string approvalId)
    {
        var approval = ReadParameter(connection, approvalId, ApprovalParameter, ApprovalStorageJsonContext.Default.StoredApproval);
        var decision = ReadParameter(connection, approvalId, DecisionParameter, ApprovalStorageJsonContext.Default.StoredDecision);
        return approval is null || decision is null ? null : ToSnapshot(approvalId, approval, decision);
    }

    private static T? ReadParameter<T>(IStorageConnection connection, string approvalId, string name, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        var raw = connection.GetJobParameter(approvalId, name);
        var json = raw is null ? null : SerializationHelper.Deserialize<string>(raw, SerializationOption.User);
        return json is null ? null : JsonSerializer.Deserialize(json, type);
    }

    private static ApprovalSnapshot ToSnapshot(string id, StoredApproval approval, StoredDecision decision) =>
        new(id, decision.Status, approval.Request, approval.RequestedAt, approval.Deadline, decision.Votes, decision.Reason, decision.ResolvedAt, decision.GrantRevoked,
            decision.OutcomeRecorded, decision.ReleasedByGrant, decision.GrantLimit);
}
