using System.Collections.Concurrent;
using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Slack;

/// <summary>The decision service seen from Slack: holds snapshots, records every decision asked for, answers as told.</summary>
internal sealed class RecordingApprovalDecisions : IApprovalDecisions
{
    private readonly ConcurrentDictionary<string, ApprovalSnapshot> approvals = new();
    private readonly ConcurrentQueue<RecordedDecision> decisions = new();
    private readonly TaskCompletionSource<RecordedDecision> firstDecision = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What DecideAsync answers; resolves the approval by default.</summary>
    public Func<RecordedDecision, DecisionResult> Answer { get; set; } =
        d => new DecisionResult(DecisionResultKind.Resolved, null, "Approved");

    public IReadOnlyList<RecordedDecision> Decisions => [.. decisions];

    public Task<RecordedDecision> FirstDecision => firstDecision.Task.WaitAsync(TimeSpan.FromSeconds(20));

    public void Set(ApprovalSnapshot approval) => approvals[approval.Id] = approval;

    public Task<DecisionResult> DecideAsync(
        string approvalId,
        ApproverIdentity approver,
        bool approve,
        string? reason,
        int? grantMinutes,
        string channel,
        CancellationToken cancellationToken)
    {
        var decision = new RecordedDecision(approvalId, approver, approve, reason, grantMinutes, channel);
        decisions.Enqueue(decision);
        firstDecision.TrySetResult(decision);
        return Task.FromResult(Answer(decision));
    }

    public ApprovalSnapshot? Get(string approvalId) => approvals.GetValueOrDefault(approvalId);

    public IReadOnlyList<ApprovalSnapshot> List(ApprovalStatus? status) =>
        [.. approvals.Values.Where(a => status is null || a.Status == status)];
}

internal sealed record RecordedDecision(
    string ApprovalId,
    ApproverIdentity Approver,
    bool Approve,
    string? Reason,
    int? GrantMinutes,
    string Channel);
