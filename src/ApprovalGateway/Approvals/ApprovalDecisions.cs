using ApprovalGateway.Metrics;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Who may decide, and what a vote does: one reject resolves, approvals count distinct people. An approval that gives a
/// time-boxed grant also releases the calls already waiting that the grant covers. The grant is what the rule gives under
/// the policy in force when the approval resolves (<see cref="IGrantLimits"/>), not under the one the call was held by.
/// </summary>
internal sealed class ApprovalDecisions(
    ApprovalStore store, IGrantStore grants, IGrantLimits limits, GatewayMetrics metrics, TimeProvider time, ILogger<ApprovalDecisions> logger)
    : IApprovalDecisions
{
    public async Task<DecisionResult> DecideAsync(
        string approvalId,
        ApproverIdentity approver,
        bool approve,
        string? reason,
        int? grantMinutes,
        string channel,
        CancellationToken cancellationToken)
    {
        DecisionResult? result = null;
        var after = await store.UpdateAsync(approvalId, approval =>
        {
            var (next, outcome) = Decide(approval, approver, approve, reason, grantMinutes, channel, time.GetUtcNow(), limits);
            result = outcome;
            return next;
        }, cancellationToken);

        if (after is null || result is null)
        {
            metrics.Decided(null, channel, approve, DecisionResultKind.NotFound);
            return new DecisionResult(DecisionResultKind.NotFound, null, $"No approval {approvalId}");
        }

        metrics.Decided(after.Request.Upstream, channel, approve, result.Kind);

        switch (result.Kind)
        {
            case DecisionResultKind.NotAllowed:
                Log.DecisionRefused(logger, approvalId, approver.Name, channel, result.Message);
                break;
            case DecisionResultKind.AlreadyResolved:
                Log.DecisionTooLate(logger, approvalId, approver.Name, channel, result.Message);
                break;
            case DecisionResultKind.AwaitingMoreApprovals:
                Log.VoteCounted(logger, approvalId, approver.Name, channel, after.Votes.Count(v => v.Approve), Needed(after));
                break;
            case DecisionResultKind.Resolved:
                if (after.GrantLimit is { } limit)
                {
                    LogLimited(after, limit);
                }

                if (ApprovalGrant.MinutesGiven(after) is not null)
                {
                    await ReleaseWaitingCallsAsync(after);
                }

                break;
        }

        return result;
    }

    /// <summary>
    /// The calls of the grant's agent, upstream and tool that were already waiting when <paramref name="granting"/>
    /// gave it are released by <see cref="ApprovalStore.ReleaseByGrantAsync"/>. A call stored only after this listing ran
    /// checks for the grant itself (<see cref="ApprovalGate"/>), so one side always sees the other. The store's signal
    /// wakes each call on whichever instance holds it. A failure here leaves them waiting, which is where they were:
    /// the grant itself stands.
    /// </summary>
    private async Task ReleaseWaitingCallsAsync(ApprovalSnapshot granting)
    {
        var request = granting.Request;
        try
        {
            if (grants.Find(request.Agent, request.Upstream, request.Tool, time.GetUtcNow()) is not { } grant)
            {
                return;
            }

            foreach (var waiting in store.List(ApprovalStatus.Pending))
            {
                var call = waiting.Request;
                if (waiting.Id == granting.Id
                    || !string.Equals(call.Agent, request.Agent, StringComparison.Ordinal)
                    || !string.Equals(call.Upstream, request.Upstream, StringComparison.Ordinal)
                    || !string.Equals(call.Tool, request.Tool, StringComparison.Ordinal))
                {
                    continue;
                }

                await store.ReleaseByGrantAsync(waiting.Id, grant);
            }
        }
        catch (Exception ex)
        {
            Log.GrantReleaseFailed(logger, ex, granting.Id);
        }
    }

    private void LogLimited(ApprovalSnapshot approved, GrantLimit limit)
    {
        var request = approved.Request;
        if (ApprovalGrant.MinutesGiven(approved) is { } minutes)
        {
            Log.GrantShortened(logger, approved.Id, request.Agent, request.Upstream, request.Tool, minutes, limit.Why);
        }
        else
        {
            Log.GrantWithheld(logger, approved.Id, request.Agent, request.Upstream, request.Tool, limit.Why);
        }
    }

    /// <summary>The channel name of answers given in the agent's own client through MCP elicitation.</summary>
    public const string ElicitationChannel = "elicitation";

    public ApprovalSnapshot? Get(string approvalId) => store.Get(approvalId);

    public IReadOnlyList<ApprovalSnapshot> List(ApprovalStatus? status) => store.List(status);

    private static (ApprovalSnapshot Next, DecisionResult Result) Decide(
        ApprovalSnapshot approval,
        ApproverIdentity approver,
        bool approve,
        string? reason,
        int? grantMinutes,
        string channel,
        DateTimeOffset now,
        IGrantLimits limits)
    {
        if (approval.Status != ApprovalStatus.Pending)
        {
            return (approval, new DecisionResult(DecisionResultKind.AlreadyResolved, approval, ApprovalText.AlreadyResolved(approval)));
        }

        if (now >= approval.Deadline)
        {
            var expired = ApprovalStore.Expired(approval, now);
            return (expired, new DecisionResult(DecisionResultKind.AlreadyResolved, expired, ApprovalText.AlreadyResolved(expired)));
        }

        if (Refusal(approval, approver, approve, grantMinutes, channel) is { } refusal)
        {
            return (approval, new DecisionResult(DecisionResultKind.NotAllowed, approval, refusal));
        }

        var vote = new ApproverVote(approver.Name, approver.SlackUserId, approve, reason, now, channel, approve ? grantMinutes : null);
        var voted = approval with { Votes = [.. approval.Votes, vote] };
        if (!approve)
        {
            var rejected = voted with { Status = ApprovalStatus.Rejected, Reason = reason, ResolvedAt = now };
            return (rejected, new DecisionResult(DecisionResultKind.Resolved, rejected, ApprovalText.Summary(rejected)));
        }

        var count = voted.Votes.Count(v => v.Approve);
        var needed = Needed(voted);
        if (count < needed)
        {
            return (voted, new DecisionResult(
                DecisionResultKind.AwaitingMoreApprovals,
                voted,
                $"Approval by {approver.Name} counted: {count} of {needed} approvals"));
        }

        var approved = voted with { Status = ApprovalStatus.Approved, Reason = reason, ResolvedAt = now };

        // Read here, under the approval's lock, so the grant stored, its summary and every channel agree on it.
        if (ApprovalGrant.MinutesGiven(approved) is not null && limits.For(approved) is { } limit)
        {
            approved = approved with { GrantLimit = limit };
        }

        return (approved, new DecisionResult(DecisionResultKind.Resolved, approved, ApprovalText.Summary(approved)));
    }

    private static string? Refusal(ApprovalSnapshot approval, ApproverIdentity approver, bool approve, int? grantMinutes, string channel)
    {
        var request = approval.Request;
        var settings = request.Settings;
        if (settings.Approvers.Count > 0 && !settings.Approvers.Any(a => Same(a, approver.Name) || Same(a, approver.SlackUserId)))
        {
            return $"{approver.Name} is not an approver for rule {request.Rule}";
        }

        // The agent's own side (its client, its owner) may release its calls only where the rule allows
        // self-approval, and never as one of the people a two-person rule asks for. Stopping one's own agent is always safe.
        if (approve && channel == ElicitationChannel && !settings.AllowSelfApproval)
        {
            return $"Rule {request.Rule} does not let the agent's own client approve its calls; an approver must decide";
        }

        // An agent with no owner answers in its client as itself; it is no more one of a rule's people than an owner.
        if (approve && channel == ElicitationChannel && settings.Approvals > 1)
        {
            return $"Rule {request.Rule} asks for {settings.Approvals} approvers; the agent's own client cannot be one of them";
        }

        // An owner may be configured by approver name or by Slack user ID; either names the same person.
        if (approve && (Same(request.AgentOwner, approver.Name) || Same(request.AgentOwner, approver.SlackUserId))
            && (!settings.AllowSelfApproval || settings.Approvals > 1))
        {
            return $"{approver.Name} owns agent {request.Agent} and cannot approve its calls under rule {request.Rule}";
        }

        // One person counts once; but whoever approved may still stop the call while it waits for others.
        if (approve && approval.Votes.Any(v => Same(v.Approver, approver.Name) || Same(v.SlackUserId, approver.SlackUserId)))
        {
            return $"{approver.Name} has already voted on this approval";
        }

        if (approve && grantMinutes is > 0)
        {
            if (settings.GrantMinutes <= 0)
            {
                return $"Rule {request.Rule} offers no time-boxed grants";
            }

            if (grantMinutes > settings.GrantMinutes)
            {
                return $"Rule {request.Rule} allows grants of at most {settings.GrantMinutes} minutes";
            }
        }

        return null;
    }

    private static int Needed(ApprovalSnapshot approval) => Math.Max(1, approval.Request.Settings.Approvals);

    private static bool Same(string? a, string? b) =>
        a is { Length: > 0 } && b is { Length: > 0 } && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
