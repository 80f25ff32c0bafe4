using System.Net;
using ApprovalGateway.Slack;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackApiClientTests : IAsyncLifetime
{
    private FakeSlackServer slack = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        slack = await FakeSlackServer.StartAsync();
        http = new HttpClient { BaseAddress = slack.ApiBaseUrl };
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await slack.DisposeAsync();
    }

    [Fact]
    public async Task PostMessageAsync_ReturnsChannelAndTs_WhenSlackAccepts()
    {
        var posted = await Client().PostMessageAsync("C0APPROVALS", Message("hello"), CancellationToken.None);

        var message = Assert.Single(slack.Messages);
        Assert.Equal(new SlackMessageRef(message.Channel, message.Ts), posted);
        Assert.Equal(FakeSlackServer.BotToken, slack.Requests.Single().BearerToken);
    }

    [Fact]
    public async Task UpdateMessageAsync_ReplacesMessage_WhenItExists()
    {
        var client = Client();
        var posted = await client.PostMessageAsync("C0APPROVALS", Message("before"), CancellationToken.None);

        await client.UpdateMessageAsync(posted, Message("after"), CancellationToken.None);

        Assert.Equal("after", Assert.Single(slack.Messages).Text);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsSlackApiExceptionWithCode_WhenSlackAnswersOkFalse()
    {
        slack.ErrorNext(1, "channel_not_found");

        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client().PostMessageAsync("C0NOPE", Message("x"), CancellationToken.None));

        Assert.Equal("channel_not_found", error.Error);
        Assert.Equal("chat.postMessage", error.Method);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsInvalidAuth_WhenTokenIsWrong()
    {
        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client("xoxb-wrong").PostMessageAsync("C1", Message("x"), CancellationToken.None));

        Assert.Equal("invalid_auth", error.Error);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsRateLimitedWithRetryAfter_WhenSlackAnswers429()
    {
        slack.RateLimitNext(1, TimeSpan.FromSeconds(7));

        var error = await Assert.ThrowsAsync<SlackRateLimitedException>(() => Client().PostMessageAsync("C1", Message("x"), CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task UpdateMessageAsync_ThrowsHttpRequestException_WhenSlackAnswers500()
    {
        slack.FailNext(1);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Client().UpdateMessageAsync(new("C1", "1.2"), Message("x"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Fact]
    public async Task OpenSocketModeConnectionAsync_ReturnsWebSocketUrl_WhenAppTokenIsValid()
    {
        var url = await Client().OpenSocketModeConnectionAsync(CancellationToken.None);

        Assert.Equal("ws", url.Scheme);
        Assert.Equal(FakeSlackServer.AppToken, slack.Requests.Single().BearerToken);
    }

    private SlackApiClient Client(string botToken = FakeSlackServer.BotToken) =>
        new(http, Options.Create(new SlackOptions { BotToken = botToken, AppToken = FakeSlackServer.AppToken }), TimeProvider.System);

    private static SlackMessage Message(string text) => new(text, [new System.Text.Json.Nodes.JsonObject { ["type"] = "section", ["text"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "mrkdwn", ["text"] = text } }]);
}
