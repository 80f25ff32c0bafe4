using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackSocketModeTests : IAsyncLifetime
{
    private FakeSlackServer slack = null!;
    private SlackGatewayHost gateway = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlackServer.StartAsync();
        gateway = await SlackGatewayHost.StartAsync(slack, socketMode: true);
        await slack.WaitForSocketConnectionAsync();
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await slack.DisposeAsync();
    }

    [Fact]
    public async Task Envelope_IsAckedAndDecided_WhenUserClicksOverSocketMode()
    {
        var envelopeId = await slack.SendInteractiveAsync(slack.BlockActionsPayload(SlackUser.Alice, "reject", "apr_socket"));

        await slack.WaitForAckAsync(envelopeId);
        var decision = await gateway.Decisions.FirstDecision;

        Assert.Equal(new RecordedDecision("apr_socket", new ApproverIdentity("slack:U024BE7LH (alice)", "U024BE7LH"), false, null, null, "slack"), decision);
    }

    [Fact]
    public async Task Service_ReconnectsWithFreshUrl_WhenSlackSendsDisconnect()
    {
        await slack.RequestDisconnectAsync();
        await slack.WaitForSocketConnectionAsync(2);

        var envelopeId = await slack.SendInteractiveAsync(slack.BlockActionsPayload(SlackUser.Alice, "approve", "apr_after_reconnect"));
        await slack.WaitForAckAsync(envelopeId);

        Assert.Equal(2, slack.Requests.Count(r => r.Method == "apps.connections.open"));
        Assert.Equal("apr_after_reconnect", (await gateway.Decisions.FirstDecision).ApprovalId);
    }
}
