using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Tests.Approvals;

[Collection(HangfireCollection.Name)]
public sealed class ApprovalDecisionsTests : IAsyncLifetime
{
    private ApprovalsHost _host = null!;

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task DecideAsync_AnswersAlreadyApprovedByFirst_WhenSecondClickArrives()
    {
        var (waiting, id) = await HoldAsync();

        var first = await Decide(id, ApprovalsHost.Alice, approve: true);
        var second = await Decide(id, ApprovalsHost.Bob, approve: false);
        var again = await Decide(id, ApprovalsHost.Alice, approve: true);

        Assert.Equal(DecisionResultKind.Resolved, first.Kind);
        Assert.Equal(DecisionResultKind.AlreadyResolved, second.Kind);
        Assert.Equal("Already approved by alice", second.Message);
        Assert.Equal(DecisionResultKind.AlreadyResolved, again.Kind);
        Assert.Equal(DecisionKind.Approved, (await waiting).Kind);
        Assert.Single(_host.Decisions.Get(id)!.Votes);
    }

    [Fact]
    public async Task DecideAsync_ResolvesExactlyOnce_WhenHundredDecisionsRace()
    {
        var (waiting, id) = await HoldAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            Decide(id, new ApproverIdentity($"approver-{i}", $"U{i}"), approve: i % 2 == 0))));
        var outcome = await waiting;

        var winner = Assert.Single(results, r => r.Kind == DecisionResultKind.Resolved);
        Assert.Equal(99, results.Count(r => r.Kind == DecisionResultKind.AlreadyResolved));
        var vote = Assert.Single(winner.Approval!.Votes);
        Assert.Equal(vote.Approve ? DecisionKind.Approved : DecisionKind.Rejected, outcome.Kind);
        Assert.Equal([vote.Approver], outcome.DecidedBy);
        Assert.Single(_host.Observer.Seen, a => a.Id == id && a.Status != ApprovalStatus.Pending);
    }

    [Fact]
    public async Task DecideAsync_RefusesAndStaysPending_WhenApproverIsNotListed()
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { Approvers = ["UBOB"] });

        var refused = await Decide(id, ApprovalsHost.Alice, approve: true);

        Assert.Equal(DecisionResultKind.NotAllowed, refused.Kind);
        Assert.Equal(ApprovalStatus.Pending, _host.Decisions.Get(id)!.Status);
        Assert.False(waiting.IsCompleted);
        var listed = await Decide(id, ApprovalsHost.Bob, approve: true);
        Assert.Equal(DecisionResultKind.Resolved, listed.Kind);
        Assert.Equal(["bob"], (await waiting).DecidedBy);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(1, false)]
    public async Task DecideAsync_RefusesApproval_WhenApproverOwnsTheAgentAndRuleForbidsSelfApproval(int approvals, bool allowSelfApproval)
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { Approvals = approvals, AllowSelfApproval = allowSelfApproval });

        var refused = await Decide(id, new ApproverIdentity("olivia", "UOLIVIA"), approve: true);

        Assert.Equal(DecisionResultKind.NotAllowed, refused.Kind);
        Assert.Contains("owns agent trader", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, _host.Decisions.Get(id)!.Status);
        await Decide(id, ApprovalsHost.Alice, approve: true);
        await Decide(id, ApprovalsHost.Bob, approve: true);
        Assert.Equal(DecisionKind.Approved, (await waiting).Kind);
    }

    [Fact]
    public async Task DecideAsync_RefusesTheOwner_WhenTheAgentsOwnerIsConfiguredAsTheirSlackUserId()
    {
        var request = ApprovalsHost.Request(ApprovalSettings.Default with { AllowSelfApproval = false }) with { AgentOwner = "UOLIVIA" };
        var waiting = _host.Gate.RequestAsync(request, null, CancellationToken.None);
        var id = (await _host.Observer.WaitForAsync(ApprovalStatus.Pending)).Id;

        // Before, only the approver's name was compared, so olivia approved her own agent's call.
        var refused = await Decide(id, new ApproverIdentity("olivia", "UOLIVIA"), approve: true);

        Assert.Equal(DecisionResultKind.NotAllowed, refused.Kind);
        Assert.Contains("owns agent trader", refused.Message, StringComparison.Ordinal);
        await Decide(id, ApprovalsHost.Alice, approve: true);
        Assert.Equal(["alice"], (await waiting).DecidedBy);
    }

    [Fact]
    public async Task DecideAsync_LetsTheOwnerApprove_WhenOneApprovalSufficesAndSelfApprovalIsAllowed()
    {
        var (waiting, id) = await HoldAsync();

        var owner = await Decide(id, new ApproverIdentity("olivia", "UOLIVIA"), approve: true);

        Assert.Equal(DecisionResultKind.Resolved, owner.Kind);
        Assert.Equal(["olivia"], (await waiting).DecidedBy);
    }

    [Fact]
    public async Task DecideAsync_IgnoresTheAgentsClient_WhenRuleForbidsSelfApproval()
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { AllowSelfApproval = false });

        var fromClient = await Decide(id, new ApproverIdentity("trader", null), approve: true, channel: ApprovalDecisions.ElicitationChannel);

        Assert.Equal(DecisionResultKind.NotAllowed, fromClient.Kind);
        Assert.False(waiting.IsCompleted);
        await Decide(id, ApprovalsHost.Alice, approve: true);
        Assert.Equal(DecisionKind.Approved, (await waiting).Kind);
    }

    [Fact]
    public async Task DecideAsync_NeedsTwoDistinctPeople_WhenRuleRequiresTwoApprovals()
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { Approvals = 2 });

        var first = await Decide(id, ApprovalsHost.Alice, approve: true);
        var sameSlackUser = await Decide(id, new ApproverIdentity("alice.w", "UALICE"), approve: true, channel: "slack");
        var sameName = await Decide(id, new ApproverIdentity("alice", null), approve: true);
        var stillWaiting = !waiting.IsCompleted;
        var second = await Decide(id, ApprovalsHost.Bob, approve: true);
        var outcome = await waiting;

        Assert.Equal(DecisionResultKind.AwaitingMoreApprovals, first.Kind);
        Assert.Equal(DecisionResultKind.NotAllowed, sameSlackUser.Kind);
        Assert.Equal(DecisionResultKind.NotAllowed, sameName.Kind);
        Assert.True(stillWaiting);
        Assert.Equal(DecisionResultKind.Resolved, second.Kind);
        Assert.Equal(DecisionKind.Approved, outcome.Kind);
        Assert.Equal(["alice", "bob"], outcome.DecidedBy);
        await _host.Observer.WaitForAsync(a => a.Id == id && a.Status == ApprovalStatus.Pending && a.Votes.Count == 1);
    }

    [Fact]
    public async Task DecideAsync_LetsAnApproverWhoApprovedRejectAfterAll_WhileMoreApprovalsAreNeeded()
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { Approvals = 2 });

        await Decide(id, ApprovalsHost.Alice, approve: true);
        // Before, "alice has already voted on this approval": only someone else could stop a call she approved by mistake.
        var changedHerMind = await Decide(id, ApprovalsHost.Alice, approve: false);
        var outcome = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DecisionResultKind.Resolved, changedHerMind.Kind);
        Assert.Equal(DecisionKind.Rejected, outcome.Kind);
        Assert.Equal("Rejected by alice: no", changedHerMind.Message);
    }

    [Fact]
    public async Task DecideAsync_AnswersExpired_WhenDecisionComesAfterDeadline()
    {
        var (waiting, id) = await HoldAsync();
        _host.Time.Advance(TimeSpan.FromMinutes(6));
        await waiting;

        var late = await Decide(id, ApprovalsHost.Alice, approve: true);

        Assert.Equal(DecisionResultKind.AlreadyResolved, late.Kind);
        Assert.Equal("Expired", late.Message);
    }

    [Fact]
    public async Task DecideAsync_AnswersExpiredAndExpires_WhenDeadlinePassedBeforeAnyExpiryRan()
    {
        var store = (ApprovalStore)_host.Services.GetService(typeof(ApprovalStore))!;
        var created = store.Create(ApprovalsHost.Request());
        _host.Time.Advance(TimeSpan.FromMinutes(6));

        var late = await Decide(created.Id, ApprovalsHost.Alice, approve: true);

        Assert.Equal(DecisionResultKind.AlreadyResolved, late.Kind);
        Assert.Equal("Expired", late.Message);
        Assert.Equal(ApprovalStatus.Expired, _host.Decisions.Get(created.Id)!.Status);
    }

    [Fact]
    public async Task DecideAsync_AnswersNotFound_WhenApprovalIsUnknown()
    {
        var result = await Decide("no-such-approval", ApprovalsHost.Alice, approve: true);

        Assert.Equal(DecisionResultKind.NotFound, result.Kind);
    }

    [Fact]
    public async Task List_ShowsPendingThenResolved_AsDecisionsLand()
    {
        var (waiting, id) = await HoldAsync();
        var pendingBefore = _host.Decisions.List(ApprovalStatus.Pending);
        await Decide(id, ApprovalsHost.Alice, approve: false);
        await waiting;

        Assert.Equal([id], pendingBefore.Select(a => a.Id));
        Assert.Empty(_host.Decisions.List(ApprovalStatus.Pending));
        Assert.Equal([id], _host.Decisions.List(ApprovalStatus.Rejected).Select(a => a.Id));
        Assert.Equal([id], _host.Decisions.List(null).Select(a => a.Id));
    }

    private async Task<(Task<ApprovalOutcome> Waiting, string Id)> HoldAsync(ApprovalSettings? settings = null)
    {
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(settings), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        return (waiting, pending.Id);
    }

    private Task<DecisionResult> Decide(string id, ApproverIdentity approver, bool approve, string channel = "web") =>
        _host.Decisions.DecideAsync(id, approver, approve, approve ? null : "no", null, channel, CancellationToken.None);
}
