using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Tests.Approvals;

[Collection(HangfireCollection.Name)]
public sealed class ApprovalGateTests : IAsyncLifetime
{
    private ApprovalsHost _host = null!;

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task RequestAsync_ReturnsApprovedWithFrozenArguments_WhenApproverApproves()
    {
        var request = ApprovalsHost.Request();
        var waiting = _host.Gate.RequestAsync(request, null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        var result = await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, "looks fine", null, "web", CancellationToken.None);
        var outcome = await waiting;

        Assert.Equal(DecisionResultKind.Resolved, result.Kind);
        Assert.Equal(DecisionKind.Approved, outcome.Kind);
        Assert.Equal(pending.Id, outcome.ApprovalId);
        Assert.Equal(["alice"], outcome.DecidedBy);
        Assert.False(outcome.ViaGrant);
        var stored = _host.Decisions.Get(pending.Id)!;
        // Stored with its secrets masked; the waiting call forwards its own copy.
        Assert.True(JsonNode.DeepEquals(SecretMasker.MaskCopy(request.FrozenArguments), stored.Request.FrozenArguments));
        Assert.Equal(request.ArgumentsSha256, CanonicalJson.Sha256(stored.Request.FrozenArguments));
        Assert.Single(_host.Observer.Seen, a => a.Id == pending.Id && a.Status == ApprovalStatus.Approved);
    }

    [Fact]
    public async Task RequestAsync_ReturnsRejectedWithReason_WhenApproverRejects()
    {
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Bob, false, "order too large", null, "slack", CancellationToken.None);
        var outcome = await waiting;

        Assert.Equal(DecisionKind.Rejected, outcome.Kind);
        Assert.Equal("order too large", outcome.Reason);
        Assert.Equal(["bob"], outcome.DecidedBy);
    }

    [Fact]
    public async Task RequestAsync_ReturnsExpired_WhenDeadlinePassesWithoutDecision()
    {
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        _host.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var outcome = await waiting;

        Assert.Equal(DecisionKind.Expired, outcome.Kind);
        Assert.Equal(pending.Id, outcome.ApprovalId);
        Assert.Empty(outcome.DecidedBy);
        await _host.Observer.WaitForAsync(ApprovalStatus.Expired, pending.Id);
    }

    [Fact]
    public async Task RequestAsync_StaysPending_UntilDeadlineActuallyPasses()
    {
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        _host.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var result = await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, null, "web", CancellationToken.None);

        Assert.Equal(DecisionResultKind.Resolved, result.Kind);
        Assert.Equal(DecisionKind.Approved, (await waiting).Kind);
    }

    [Fact]
    public async Task RequestAsync_ReturnsWithdrawnAndTellsObservers_WhenCallerCancels()
    {
        using var cancel = new CancellationTokenSource();
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, cancel.Token);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        await cancel.CancelAsync();
        var outcome = await waiting;

        Assert.Equal(DecisionKind.Withdrawn, outcome.Kind);
        await _host.Observer.WaitForAsync(ApprovalStatus.Withdrawn, pending.Id);
        var late = await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, null, "web", CancellationToken.None);
        Assert.Equal(DecisionResultKind.AlreadyResolved, late.Kind);
    }

    [Fact]
    public async Task RequestAsync_ReportsProgressAtOnceAndEveryTenSeconds_WhileWaiting()
    {
        var reports = new SynchronousProgress();
        var settings = ApprovalSettings.Default with { SlackChannel = "trading" };
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(settings), reports, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        var first = reports.Items.ToList();

        _host.Time.Advance(TimeSpan.FromSeconds(10));
        var second = reports.Items.ToList();
        await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, null, "web", CancellationToken.None);
        await waiting;

        Assert.Equal(["Waiting for approval in #trading (or on the approval page), expires in 5m 0s"], first.Select(r => r.Message));
        Assert.Equal("Waiting for approval in #trading (or on the approval page), expires in 4m 50s", second.Last().Message);
        Assert.Equal(TimeSpan.FromSeconds(290), second.Last().Remaining);
        Assert.All(second, r => Assert.Equal(pending.Id, r.ApprovalId));
    }

    [Fact]
    public async Task RequestAsync_NamesDefaultSlackChannel_WhenRuleSetsNone()
    {
        var reports = new SynchronousProgress();
        using var cancel = new CancellationTokenSource();
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), reports, cancel.Token);
        await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        await cancel.CancelAsync();
        await waiting;

        Assert.StartsWith("Waiting for approval in #approvals (or on the approval page)", reports.Items[0].Message);
    }

    [Fact]
    public async Task RequestAsync_SendsTheAgentToThePage_WhenSlackIsNotConfigured()
    {
        await using var withoutSlack = await ApprovalsHost.StartAsync(new Dictionary<string, string?> { ["Slack:BotToken"] = "" });
        var reports = new SynchronousProgress();
        using var cancel = new CancellationTokenSource();
        var waiting = withoutSlack.Gate.RequestAsync(ApprovalsHost.Request(), reports, cancel.Token);
        await withoutSlack.Observer.WaitForAsync(ApprovalStatus.Pending);
        await cancel.CancelAsync();
        await waiting;

        // Before, "Waiting for approval in #approvals (or on the approval page)" where no Slack prompt went out.
        Assert.StartsWith("Waiting for approval on the approval page, expires in", reports.Items[0].Message);
    }

    [Fact]
    public async Task RequestAsync_NamesThePagesPublicAddress_WhenSlackPublicBaseUrlIsSet()
    {
        await using var withPage = await ApprovalsHost.StartAsync(new Dictionary<string, string?> { ["Slack:PublicBaseUrl"] = "https://approvals.example/" });
        var reports = new SynchronousProgress();
        using var cancel = new CancellationTokenSource();
        var waiting = withPage.Gate.RequestAsync(ApprovalsHost.Request(), reports, cancel.Token);
        await withPage.Observer.WaitForAsync(ApprovalStatus.Pending);
        await cancel.CancelAsync();
        await waiting;

        Assert.Equal("Waiting for approval in #approvals (or on the approval page at https://approvals.example/), expires in 5m 0s", reports.Items[0].Message);
    }

    private sealed class SynchronousProgress : IProgress<ApprovalWaitStatus>
    {
        private readonly List<ApprovalWaitStatus> _items = [];

        public IReadOnlyList<ApprovalWaitStatus> Items
        {
            get
            {
                lock (_items)
                {
                    return [.. _items];
                }
            }
        }

        public void Report(ApprovalWaitStatus value)
        {
            lock (_items)
            {
                _items.Add(value);
            }
        }
    }
}
