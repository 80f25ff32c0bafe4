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
}
