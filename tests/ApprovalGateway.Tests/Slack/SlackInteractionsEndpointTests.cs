using System.Net;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Web;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackInteractionsEndpointTests : IAsyncLifetime
{
    private FakeSlackServer slack = null!;
    private SlackGatewayHost gateway = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlackServer.StartAsync();
        gateway = await SlackGatewayHost.StartAsync(slack, directory: new OneApproverDirectory());
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await slack.DisposeAsync();
    }

    [Fact]
    public async Task Click_DecidesAsDirectoryApproverThroughSlack_WhenSignatureIsValid()
    {
        gateway.Decisions.Set(TestApprovals.Pending("apr_1"));

        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = Assert.Single(gateway.Decisions.Decisions);
        Assert.Equal(new RecordedDecision("apr_1", new ApproverIdentity("alice.smith", "U024BE7LH"), true, null, null, "slack"), decision);
    }

    [Fact]
    public async Task Click_IsNotCounted_AndTheClickerIsToldWhy_WhenTheSlackUserIsLinkedToNoApprover()
    {
        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Bob, "approve", "apr_1");
        var answer = await slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod);

        // Before, anyone in the channel decided under their Slack username.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
        Assert.Equal("ephemeral", (string?)answer.Body["response_type"]);
        Assert.Equal(
            "Your click was not counted: your Slack account (U0BOB0001) is not linked to an approver of this gateway. " +
            "An admin links it with Approvers:{name}:SlackUserId.",
            (string?)answer.Body["text"]);
    }

    [Fact]
    public async Task Click_FromAUsernameEqualToAnApproversName_DoesNotPassAsThatApprover()
    {
        var impostor = new SlackUser("U0MALLORY", "alice.smith");

        using var response = await slack.ClickAsync(gateway.InteractionsUrl, impostor, "approve", "apr_1");
        await slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
    }

    [Fact]
    public async Task Click_WithNoApproversConfigured_DecidesAsTheSlackUserId_NotAsTheUsernameTheClickerChose()
    {
        await using var open = await SlackGatewayHost.StartAsync(slack);
        open.Decisions.Set(TestApprovals.Pending("apr_1"));

        using var response = await slack.ClickAsync(open.InteractionsUrl, SlackUser.Bob, "reject", "apr_1");

        // Membership of the channel is the gate then, but "bob" can never match a rule's approvers: "bob" by name.
        var decision = Assert.Single(open.Decisions.Decisions);
        Assert.Equal(new ApproverIdentity("slack:U0BOB0001 (bob)", "U0BOB0001"), decision.Approver);
        Assert.False(decision.Approve);
    }

    [Fact]
    public async Task Click_PassesRuleGrantMinutes_WhenApproveForNMinutes()
    {
        gateway.Decisions.Set(TestApprovals.Pending("apr_grant", settings: ApprovalSettings.Default with { GrantMinutes = 15 }));

        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve_grant", "apr_grant");

        var decision = Assert.Single(gateway.Decisions.Decisions);
        Assert.True(decision.Approve);
        Assert.Equal(15, decision.GrantMinutes);
    }

    [Fact]
    public async Task Click_Returns401AndDecidesNothing_WhenSignatureIsForged()
    {
        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1", signingSecret: "forged-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
        var record = Assert.Single(gateway.AuditRecords);
        Assert.Equal("unauthenticated", record.Outcome);
        Assert.Equal(
            "Slack interaction refused: its signature does not match the signing secret; it claims approve on approval apr_1 " +
            "by Slack user U024BE7LH (from 127.0.0.1)",
            record.Reason);
    }

    [Fact]
    public async Task Click_Returns401AndDecidesNothing_WhenTimestampIsStale()
    {
        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1", timestamp: DateTimeOffset.UtcNow.AddMinutes(-6));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
    }

    [Fact]
    public async Task Click_DecidesOnce_WhenSlackDeliversSameClickTwice()
    {
        using var first = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1", actionTs: "1712345679.123456");
        using var second = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1", actionTs: "1712345679.123456");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Single(gateway.Decisions.Decisions);
    }

    [Fact]
    public async Task Click_TellsOnlyTheClicker_WhenApprovalWasAlreadyDecided()
    {
        gateway.Decisions.Answer = _ => new DecisionResult(DecisionResultKind.AlreadyResolved, null, "Already approved by bob");

        using var response = await slack.ClickAsync(gateway.InteractionsUrl, SlackUser.Alice, "approve", "apr_1");
        var answer = await slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ephemeral", (string?)answer.Body["response_type"]);
        Assert.False((bool?)answer.Body["replace_original"]);
        Assert.Equal("Already approved by bob", (string?)answer.Body["text"]);
    }

    [Fact]
    public async Task Click_Returns400_WhenSignedBodyHasNoPayload()
    {
        using var response = await PostAsync("foo=bar", FakeSlackServer.SigningSecret);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
    }

    [Theory]
    [InlineData("""{"type":"block_actions","actions":[1]}""")]
    [InlineData("""{"type":"block_actions","actions":[["approve"]],"user":{"id":"U024BE7LH"}}""")]
    [InlineData("""{"type":"block_actions","actions":[{"action_id":"approve","value":"apr_1"}],"user":"U024BE7LH"}""")]
    public async Task Payload_OfAnotherShape_DecidesNothing_AndAForgedOneIsAudited(string payload)
    {
        gateway.Decisions.Set(TestApprovals.Pending("apr_1"));
        var form = "payload=" + Uri.EscapeDataString(payload);

        // Before, the first two answered 500 (an action that is not an object threw) and the forged one left no record.
        using var signed = await PostAsync(form, FakeSlackServer.SigningSecret);
        using var forged = await PostAsync(form, "forged-secret");

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Empty(gateway.Decisions.Decisions);
        var record = Assert.Single(gateway.AuditRecords);
        Assert.Equal("unauthenticated", record.Outcome);
        Assert.Equal("Slack interaction refused: its signature does not match the signing secret (from 127.0.0.1)", record.Reason);
    }

    /// <summary>Posts <paramref name="form"/> as Slack would, signed with <paramref name="signingSecret"/>.</summary>
    private async Task<HttpResponseMessage> PostAsync(string form, string signingSecret)
    {
        using var client = new HttpClient();
        var body = System.Text.Encoding.UTF8.GetBytes(form);
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.InteractionsUrl) { Content = new ByteArrayContent(body) };
        request.Headers.Add("X-Slack-Request-Timestamp", stamp);
        request.Headers.Add("X-Slack-Signature", FakeSlackServer.Sign(signingSecret, stamp, body));
        return await client.SendAsync(request);
    }

    private sealed class OneApproverDirectory : IApproverDirectory
    {
        private static readonly ApproverIdentity Alice = new("alice.smith", SlackUser.Alice.Id);

        public bool HasApprovers => true;

        public ApproverIdentity? FindByName(string name) => name == Alice.Name ? Alice : null;

        public ApproverIdentity? FindBySlackUserId(string slackUserId) => slackUserId == Alice.SlackUserId ? Alice : null;
    }
}
