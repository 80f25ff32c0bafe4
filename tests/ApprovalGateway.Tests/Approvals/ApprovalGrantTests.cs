using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Tests.Approvals;

[Collection(HangfireCollection.Name)]
public sealed class ApprovalGrantTests : IAsyncLifetime
{
    private static readonly ApprovalSettings GrantingRule = ApprovalSettings.Default with { GrantMinutes = 30 };

    private ApprovalsHost _host = null!;

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task RequestAsync_ApprovesViaGrantWithoutPrompt_WithinGrantWindowOnly()
    {
        var first = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, 15, "slack", CancellationToken.None);
        await first;

        _host.Time.Advance(TimeSpan.FromMinutes(14));
        var second = await _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None);
        var promptsWithinWindow = _host.Observer.Seen.Count(a => a.Status == ApprovalStatus.Pending);

        _host.Time.Advance(TimeSpan.FromMinutes(2));
        using var cancel = new CancellationTokenSource();
        var third = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, cancel.Token);
        var newPrompt = await _host.Observer.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != pending.Id);
        await cancel.CancelAsync();
        await third;

        Assert.Equal(DecisionKind.Approved, second.Kind);
        Assert.True(second.ViaGrant);
        Assert.Equal(pending.Id, second.ApprovalId);
        Assert.Equal(["alice"], second.DecidedBy);
        Assert.Equal(1, promptsWithinWindow);
        Assert.NotEqual(pending.Id, newPrompt.Id);
    }

    [Fact]
    public async Task DecideAsync_SaysTheApprovalAlsoGrants_WhenItGivesMinutes()
    {
        var first = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        // Before, "Approved by alice": the API and the page did not say the same calls would go unasked for 15 minutes.
        var result = await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, 15, "web", CancellationToken.None);
        await first;

        Assert.Equal("Approved by alice (and for the next 15 min)", result.Message);
    }

    [Fact]
    public async Task RequestAsync_Prompts_WhenGrantCoversAnotherTool()
    {
        var first = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, 15, "slack", CancellationToken.None);
        await first;

        using var cancel = new CancellationTokenSource();
        var other = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule, tool: "cancel_order"), null, cancel.Token);
        var prompt = await _host.Observer.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != pending.Id);
        await cancel.CancelAsync();

        Assert.Equal("cancel_order", prompt.Request.Tool);
        Assert.Equal(DecisionKind.Withdrawn, (await other).Kind);
    }

    [Fact]
    public async Task DecideAsync_RefusesGrant_WhenLongerThanRuleAllowsOrRuleOffersNone()
    {
        using var cancel = new CancellationTokenSource();
        var granting = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, cancel.Token);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        var tooLong = await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, 60, "web", CancellationToken.None);
        await cancel.CancelAsync();
        await granting;

        var plain = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);
        var second = await _host.Observer.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != pending.Id);
        var noGrants = await _host.Decisions.DecideAsync(second.Id, ApprovalsHost.Alice, true, null, 5, "web", CancellationToken.None);
        await _host.Decisions.DecideAsync(second.Id, ApprovalsHost.Bob, false, "stop", null, "web", CancellationToken.None);
        await plain;

        Assert.Equal(DecisionResultKind.NotAllowed, tooLong.Kind);
        Assert.Equal("Rule risk.critical allows grants of at most 30 minutes", tooLong.Message);
        Assert.Equal(DecisionResultKind.NotAllowed, noGrants.Kind);
        Assert.Equal("Rule risk.critical offers no time-boxed grants", noGrants.Message);
    }

    [Fact]
    public async Task List_ShowsTheGrantUntilItEnds_WhenAnApprovalGaveOne()
    {
        var pending = await GrantAsync(ApprovalsHost.Request(GrantingRule), minutes: 15);
        var grants = _host.Services.GetRequiredService<IGrantStore>();
        var approvedAt = _host.Decisions.Get(pending.Id)!.ResolvedAt!.Value;

        var listed = Assert.Single(grants.List(_host.Time.GetUtcNow()));
        _host.Time.Advance(TimeSpan.FromMinutes(15));
        var afterItsEnd = grants.List(_host.Time.GetUtcNow());

        Assert.Equal(("trader", "exchange", "place_order", pending.Id), (listed.Agent, listed.Upstream, listed.Tool, listed.ApprovalId));
        Assert.Equal(["alice"], listed.GrantedBy);
        Assert.Equal("risk.critical", listed.Rule);
        Assert.Equal(approvedAt, listed.GrantedAt);
        Assert.Equal(approvedAt.AddMinutes(15), listed.Until);
        Assert.Empty(afterItsEnd);
    }

    [Fact]
    public async Task Revoke_EndsTheGrant_SoTheNextCallPromptsAgain()
    {
        var pending = await GrantAsync(ApprovalsHost.Request(GrantingRule), minutes: 15);
        var grants = _host.Services.GetRequiredService<IGrantStore>();

        var revoked = grants.Revoke(pending.Id, _host.Time.GetUtcNow());
        var again = grants.Revoke(pending.Id, _host.Time.GetUtcNow());
        using var cancel = new CancellationTokenSource();
        var next = _host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, cancel.Token);
        var prompt = await _host.Observer.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != pending.Id);
        await cancel.CancelAsync();

        Assert.Equal(pending.Id, revoked?.ApprovalId);
        Assert.Null(again);
        Assert.Empty(grants.List(_host.Time.GetUtcNow()));
        Assert.Equal(DecisionKind.Withdrawn, (await next).Kind);
        Assert.Equal("place_order", prompt.Request.Tool);
    }

    [Theory]
    [InlineData("gone", 0, "rule risk.critical is no longer in the policy")]
    [InlineData("deny", 0, "rule risk.critical no longer holds calls for approval")]
    [InlineData("no grants", 0, "rule risk.critical no longer offers time-boxed grants")]
    [InlineData("two approvers", 0, "rule risk.critical now asks for 2 approvers and the approval had 1")]
    [InlineData("10 minutes", 10, "rule risk.critical now allows grants of at most 10 minutes")]
    public void LimitUnder_GivesLessThanAskedFor_WhenTheRuleInForceOffersLess(string ruleNow, int minutes, string why)
    {
        var decision = ruleNow switch
        {
            "gone" => null,
            "deny" => new PolicyDecision(DecisionKind.Denied, "risk.critical"),
            "no grants" => Holding(GrantingRule with { GrantMinutes = 0 }),
            "two approvers" => Holding(GrantingRule with { Approvals = 2 }),
            _ => Holding(GrantingRule with { GrantMinutes = 10 }),
        };

        Assert.Equal(new GrantLimit(minutes, why), ApprovalGrant.LimitUnder(Approved(asked: 15), decision));
    }

    [Fact]
    public void LimitUnder_SetsNone_WhenTheRuleInForceOffersWhatWasAskedForOrNoGrantWasAskedFor()
    {
        Assert.Null(ApprovalGrant.LimitUnder(Approved(asked: 15), Holding(GrantingRule with { GrantMinutes = 15 })));
        Assert.Null(ApprovalGrant.LimitUnder(Approved(asked: null), null));
    }

    [Fact]
    public void Revoke_KeepsTheNewerGrant_WhenANewerApprovalReplacedTheOneNamed()
    {
        var grants = _host.Services.GetRequiredService<IGrantStore>();
        var now = _host.Time.GetUtcNow();
        grants.Add(new ApprovalGrant("trader", "exchange", "place_order", now.AddMinutes(5), "older", ["alice"], "risk.critical", now));
        grants.Add(new ApprovalGrant("trader", "exchange", "place_order", now.AddMinutes(15), "newer", ["bob"], "risk.critical", now));
        grants.Add(new ApprovalGrant("trader", "exchange", "cancel_order", now.AddMinutes(10), "other", ["alice"], "risk.critical", now));

        var revokedOlder = grants.Revoke("older", now);

        Assert.Null(revokedOlder);
        Assert.Equal(["other", "newer"], grants.List(now).Select(g => g.ApprovalId));
        Assert.Equal("newer", grants.Find("trader", "exchange", "place_order", now)?.ApprovalId);
    }

    [Fact]
    public async Task RequestAsync_IsReleasedByTheGrant_WhenTheGrantIsGivenBetweenItsCheckAndItsApprovalBeingStored()
    {
        GatedGrantStore gated = null!;
        await using var host = await ApprovalsHost.StartAsync(services: s => s.AddSingleton<IGrantStore>(sp =>
            gated = new GatedGrantStore(ActivatorUtilities.CreateInstance<HangfireGrantStore>(sp))));
        var granting = host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None);
        var first = await host.Observer.WaitForAsync(ApprovalStatus.Pending);

        // The second call finds no grant, and is held there while the grant is given and releases the calls it finds
        // waiting: this one's approval is not stored yet.
        gated.HoldNextFind();
        var late = Task.Run(() => host.Gate.RequestAsync(ApprovalsHost.Request(GrantingRule), null, CancellationToken.None));
        await gated.Found;
        await host.Decisions.DecideAsync(first.Id, ApprovalsHost.Alice, true, null, 15, "web", CancellationToken.None);
        await granting;
        gated.Proceed();

        // Before, it stayed pending until its deadline although the grant covered it.
        var released = await host.Observer.WaitForAsync(a => a.Id != first.Id && a.Status == ApprovalStatus.Approved);
        var outcome = await late;

        Assert.Equal(DecisionKind.Approved, outcome.Kind);
        Assert.Equal(first.Id, outcome.GrantApprovalId);
        Assert.Equal(["alice"], outcome.DecidedBy);
        Assert.Equal(first.Id, released.ReleasedByGrant?.ApprovalId);
        Assert.Single(host.Observer.Seen, a => a.Id == released.Id && a.Status == ApprovalStatus.Approved);
        // A released call gives no grant of its own: the one grant is still the first approval's.
        Assert.Equal([first.Id], gated.List(host.Time.GetUtcNow()).Select(g => g.ApprovalId));
    }

    /// <summary>Holds <paramref name="request"/>, approves it with a grant of <paramref name="minutes"/> and waits for the release.</summary>
    private async Task<ApprovalSnapshot> GrantAsync(ApprovalRequest request, int minutes)
    {
        var call = _host.Gate.RequestAsync(request, null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        await _host.Decisions.DecideAsync(pending.Id, ApprovalsHost.Alice, true, null, minutes, "web", CancellationToken.None);
        Assert.Equal(DecisionKind.Approved, (await call).Kind);
        return pending;
    }

    private static PolicyDecision Holding(ApprovalSettings settings) => new(DecisionKind.ApprovalRequired, "risk.critical", Approval: settings);

    private static ApprovalSnapshot Approved(int? asked)
    {
        var at = DateTimeOffset.UtcNow;
        return new ApprovalSnapshot(
            "approval-1", ApprovalStatus.Approved, ApprovalsHost.Request(GrantingRule), at, at.AddMinutes(5),
            [new ApproverVote("alice", null, true, null, at, "web", asked)], null, at);
    }
}
