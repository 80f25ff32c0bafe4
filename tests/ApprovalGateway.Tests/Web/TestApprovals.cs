using System.Collections.Concurrent;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// An in-memory decision service with the real one's contract: one decision resolves, later ones are told it is
/// already resolved, listed people may not decide; every change is told to the observers (the hub among them).
/// </summary>
internal sealed class TestApprovals(IEnumerable<IApprovalObserver> observers, TimeProvider time) : IApprovalDecisions
{
    private readonly ConcurrentDictionary<string, ApprovalSnapshot> _approvals = new();
    private readonly Lock _gate = new();

    /// <summary>Approver names refused with NotAllowed (say, the agent's owner).</summary>
    public HashSet<string> NotAllowed { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What the policy in force lets approvals resolved from now on give as a grant, as <see cref="IGrantLimits"/> does
    /// after an edit made while the call waited; the answer is then the approval's summary, as the gateway's is.
    /// </summary>
    public GrantLimit? GrantLimit { get; set; }

    public ApprovalSnapshot Add(string id, ApprovalRequest request, TimeSpan? timeout = null)
    {
        var now = time.GetUtcNow();
        var approval = new ApprovalSnapshot(id, ApprovalStatus.Pending, request, now, now + (timeout ?? request.Settings.Timeout), [], null, null);
        _approvals[id] = approval;
        Notify(approval);
        return approval;
    }

    /// <summary>Resolves without telling anyone, as if the push to this page were lost.</summary>
    public void ResolveQuietly(string id, string approver, bool approve, string reason)
    {
        lock (_gate)
        {
            _approvals[id] = Resolve(_approvals[id], new ApproverVote(approver, null, approve, reason, time.GetUtcNow(), "slack", null));
        }
    }

    /// <summary>Withdraws a pending approval for <paramref name="reason"/>, as the gateway does when it shuts down.</summary>
    public void Withdraw(string id, string reason)
    {
        ApprovalSnapshot withdrawn;
        lock (_gate)
        {
            withdrawn = _approvals[id] with { Status = ApprovalStatus.Withdrawn, Reason = reason, ResolvedAt = time.GetUtcNow() };
            _approvals[id] = withdrawn;
        }

        Notify(withdrawn);
    }

    /// <summary>Approves a pending call as a time-boxed grant given while it waited does: no vote of its own.</summary>
    public void ReleaseByGrant(string id, GrantRelease grant)
    {
        ApprovalSnapshot released;
        lock (_gate)
        {
            released = _approvals[id] with { Status = ApprovalStatus.Approved, ResolvedAt = time.GetUtcNow(), ReleasedByGrant = grant };
            _approvals[id] = released;
        }

        Notify(released);
    }

    /// <summary>Forgets an approval without telling anyone, as a gateway restarted on the in-memory queue has.</summary>
    public void ForgetQuietly(string id) => _approvals.TryRemove(id, out _);

    public Task<DecisionResult> DecideAsync(
        string approvalId, ApproverIdentity approver, bool approve, string? reason, int? grantMinutes, string channel, CancellationToken cancellationToken)
    {
        DecisionResult result;
        lock (_gate)
        {
            if (!_approvals.TryGetValue(approvalId, out var approval))
            {
                return Task.FromResult(new DecisionResult(DecisionResultKind.NotFound, null, $"No approval {approvalId}"));
            }

            if (approval.Status != ApprovalStatus.Pending)
            {
                var by = string.Join(", ", approval.Votes.Select(v => v.Approver));
                return Task.FromResult(new DecisionResult(
                    DecisionResultKind.AlreadyResolved, approval, $"Already {approval.Status.ToString().ToLowerInvariant()} by {by}."));
            }

            if (NotAllowed.Contains(approver.Name))
            {
                return Task.FromResult(new DecisionResult(
                    DecisionResultKind.NotAllowed, approval, $"{approver.Name} owns agent {approval.Request.Agent} and may not approve its calls."));
            }

            var vote = new ApproverVote(approver.Name, approver.SlackUserId, approve, reason, time.GetUtcNow(), channel, grantMinutes);
            var approvals = approval.Votes.Count(v => v.Approve) + 1;
            if (approve && approvals < approval.Request.Settings.Approvals)
            {
                // A rule asking for several approvers: the vote counts and the call waits on, as the gateway's own decisions do.
                var counted = approval with { Votes = [.. approval.Votes, vote] };
                _approvals[approvalId] = counted;
                result = new DecisionResult(
                    DecisionResultKind.AwaitingMoreApprovals, counted, $"Approval by {approver.Name} counted: {approvals} of {approval.Request.Settings.Approvals} approvals.");
            }
            else
            {
                var resolved = Resolve(approval, vote);
                if (GrantLimit is { } limit && ApprovalGrant.MinutesGiven(resolved) is not null)
                {
                    resolved = resolved with { GrantLimit = limit };
                }

                _approvals[approvalId] = resolved;
                result = new DecisionResult(
                    DecisionResultKind.Resolved, resolved, resolved.GrantLimit is not null ? ApprovalText.Summary(resolved) : approve ? "Approved." : "Rejected.");
            }
        }

        Notify(result.Approval!);
        return Task.FromResult(result);
    }

    public ApprovalSnapshot? Get(string approvalId) => _approvals.GetValueOrDefault(approvalId);

    public IReadOnlyList<ApprovalSnapshot> List(ApprovalStatus? status) =>
        [.. _approvals.Values.Where(a => status is null || a.Status == status).OrderByDescending(a => a.RequestedAt)];

    private ApprovalSnapshot Resolve(ApprovalSnapshot approval, ApproverVote vote) => approval with
    {
        Status = vote.Approve ? ApprovalStatus.Approved : ApprovalStatus.Rejected,
        Votes = [.. approval.Votes, vote],
        Reason = vote.Reason,
        ResolvedAt = time.GetUtcNow(),
    };

    private void Notify(ApprovalSnapshot approval)
    {
        foreach (var observer in observers)
        {
            observer.OnChanged(approval);
        }
    }
}
