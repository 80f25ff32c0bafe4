using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Slack;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackPromptJobsTests : IAsyncLifetime
{
    private FakeSlackServer slack = null!;
    private SlackGatewayHost gateway = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlackServer.StartAsync();
        gateway = await SlackGatewayHost.StartAsync(slack);
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await slack.DisposeAsync();
    }

    [Fact]
    public async Task PostPrompt_PostsToConfiguredChannelAndStoresTs_WhenApprovalAppears()
    {
        var approval = Publish(TestApprovals.Pending("apr_post"));
        var message = await slack.WaitForMessageAsync();

        // The update runs only after the post job finished, so by then the ts is stored.
        Publish(approval.Resolved(ApprovalStatus.Expired));
        await slack.WaitForRequestAsync("chat.update", r => r.Ok);

        Assert.Equal(FakeSlackServer.Channel, message.Channel);
        Assert.Contains("place_order", message.AllText, StringComparison.Ordinal);
        Assert.Equal(new SlackMessageRef(message.Channel, message.Ts), gateway.MessageStore.Get(approval.Id).Message);
    }

    [Fact]
    public async Task PostPrompt_UsesRuleChannel_WhenRuleNamesOne()
    {
        Publish(TestApprovals.Pending("apr_rule", settings: ApprovalSettings.Default with { SlackChannel = "C0TREASURY" }));

        var message = await slack.WaitForMessageAsync();

        Assert.Equal("C0TREASURY", message.Channel);
    }

    [Fact]
    public async Task PostPrompt_PostsExactlyOnce_WhenSlackFailsThenRecovers()
    {
        slack.FailNext(1);
        var pending = Publish(TestApprovals.Pending("apr_500"));
        await slack.WaitForMessageAsync();

        Publish(pending.Resolved(ApprovalStatus.Approved, null, TestApprovals.Vote("alice", "U024BE7LH", approve: true)));
        await slack.WaitForRequestAsync("chat.update", r => r.Ok);

        Assert.Contains(slack.Requests, r => r.Method == "chat.postMessage" && r.StatusCode == 500);
        var message = Assert.Single(slack.Messages);
        Assert.Contains("Approved by <@U024BE7LH>", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPrompt_IsNotPostedTwice_WhenSlackPostedItButItsAnswerWasLost()
    {
        slack.LoseAnswerNext();
        var pending = Publish(TestApprovals.Pending("apr_lost"));

        // The retry finds the first post in the channel by its metadata, keeps it and brings it up to date.
        await slack.WaitForRequestAsync("chat.update", r => r.Ok);
        Publish(pending.Resolved(ApprovalStatus.Approved, null, TestApprovals.Vote("alice", "U024BE7LH", approve: true)));
        await slack.WaitForRequestsAsync("chat.update", 2, r => r.Ok);

        var message = Assert.Single(slack.Messages);
        Assert.Contains("Approved by <@U024BE7LH>", message.AllText, StringComparison.Ordinal);
        Assert.Empty(message.Buttons);
        Assert.Equal(new SlackMessageRef(message.Channel, message.Ts), gateway.MessageStore.Get(pending.Id).Message);
    }

    [Fact]
    public async Task PostPrompt_PostsAgain_WhenTheAnswerWasLostAndTheAppMayNotReadTheChannel()
    {
        slack.HistoryError = "missing_scope";
        slack.LoseAnswerNext();
        var pending = Publish(TestApprovals.Pending("apr_lost_noscope"));
        await slack.WaitForRequestAsync("chat.postMessage", r => r.Ok);

        Publish(pending.Resolved(ApprovalStatus.Rejected, "no", TestApprovals.Vote("bob", "U0BOB0001", approve: false, "no")));
        await slack.WaitForRequestAsync("chat.update", r => r.Ok);

        // A prompt shown twice is better than none; the one the gateway kept is the one it updates.
        Assert.Equal(2, slack.Messages.Count);
        var kept = gateway.MessageStore.Get(pending.Id).Message!;
        var updated = Assert.Single(slack.Messages, m => m.Updates == 1);
        Assert.Equal(new SlackMessageRef(updated.Channel, updated.Ts), kept);
        Assert.Contains("Rejected by <@U0BOB0001>: no", updated.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPrompt_WaitsForRetryAfter_WhenSlackRateLimits()
    {
        slack.RateLimitNext(1, TimeSpan.FromSeconds(1));
        var approval = Publish(TestApprovals.Pending("apr_429"));

        await slack.WaitForMessageAsync();

        var postJobId = gateway.MessageStore.Get(approval.Id).PostJobId!;
        var history = gateway.Storage.GetMonitoringApi().JobDetails(postJobId).History;
        var scheduled = Assert.Single(history, h => h.StateName == "Scheduled");
        Assert.Contains("Retry-After 1 s", scheduled.Reason, StringComparison.Ordinal);
        Assert.Single(slack.Messages);
    }

    [Fact]
    public async Task UpdatePrompt_ReplacesButtonsWithOutcome_WhenApprovalResolves()
    {
        var pending = Publish(TestApprovals.Pending("apr_update"));
        var rejected = pending.Resolved(ApprovalStatus.Rejected, "not today", TestApprovals.Vote("bob", "U0BOB0001", approve: false, "not today"));

        Publish(rejected);
        await slack.WaitForRequestAsync("chat.update", r => r.Ok);

        var message = Assert.Single(slack.Messages);
        Assert.Equal(1, message.Updates);
        Assert.Empty(message.Buttons);
        Assert.Contains("Rejected by <@U0BOB0001>: not today", message.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdatePrompt_ShowsLatestState_WhenSeveralChangesArriveQuickly()
    {
        var pending = Publish(TestApprovals.Pending("apr_votes", settings: ApprovalSettings.Default with { Approvals = 2 }));
        var alice = TestApprovals.Vote("alice", "U024BE7LH", approve: true);
        var bob = TestApprovals.Vote("bob", "U0BOB0001", approve: true);

        Publish(pending with { Votes = [alice] });
        Publish(pending.Resolved(ApprovalStatus.Approved, null, alice, bob));
        await slack.WaitForRequestsAsync("chat.update", 2, r => r.Ok);

        var message = Assert.Single(slack.Messages);
        Assert.Contains("2 of 2 approvals", message.AllText, StringComparison.Ordinal);
        Assert.Contains("Approved by <@U024BE7LH> and <@U0BOB0001>", message.AllText, StringComparison.Ordinal);
    }

    /// <summary>
    /// The storage was out of reach when the approval appeared, so its post job could not be queued. Before, the prompt
    /// was never posted, and Slack's approvers never heard of the call. Now the job is queued once the storage answers,
    /// and the prompt shows the approval as it stands by then.
    /// </summary>
    [Fact]
    public async Task PostPrompt_IsQueuedOnceStorageAnswers_WhenItCouldNotBeQueuedAtFirst()
    {
        await using var host = await SlackGatewayHost.StartAsync(slack, storageOutages: true);
        var pending = TestApprovals.Pending("apr_down", settings: ApprovalSettings.Default with { Approvals = 2 });
        host.Decisions.Set(pending);
        host.Outages!.GoDown();

        host.Observer.OnChanged(pending);
        var voted = pending with { Votes = [TestApprovals.Vote("alice", "U024BE7LH", approve: true)] };
        host.Decisions.Set(voted);
        host.Outages.ComeBack();

        var message = await slack.WaitForMessageAsync();
        Assert.Contains(pending.Id, message.AllText, StringComparison.Ordinal);
        Assert.Contains("1 of 2 approvals", message.AllText, StringComparison.Ordinal);
        Assert.NotEmpty(message.Buttons);
    }

    [Fact]
    public void OnChanged_QueuesNothing_WhenRuleDoesNotUseSlack()
    {
        var approval = Publish(TestApprovals.Pending("apr_web", settings: ApprovalSettings.Default with { Channels = ["web"] }));

        Assert.Null(gateway.MessageStore.Get(approval.Id).PostJobId);
        Assert.Equal(0, gateway.Storage.GetMonitoringApi().EnqueuedCount("default") + gateway.Storage.GetMonitoringApi().SucceededListCount());
    }

    private ApprovalSnapshot Publish(ApprovalSnapshot approval)
    {
        gateway.Decisions.Set(approval);
        gateway.Observer.OnChanged(approval);
        return approval;
    }
}
