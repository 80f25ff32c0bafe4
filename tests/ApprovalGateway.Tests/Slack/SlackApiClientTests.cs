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
        var posted = await Client().PostMessageAsync("C0APPROVALS", Message("hello"), Tag, CancellationToken.None);

        var message = Assert.Single(slack.Messages);
        Assert.Equal(new SlackMessageRef(message.Channel, message.Ts), posted);
        Assert.Equal(FakeSlackServer.BotToken, slack.Requests.Single().BearerToken);
    }

    [Fact]
    public async Task UpdateMessageAsync_ReplacesMessage_WhenItExists()
    {
        var client = Client();
        var posted = await client.PostMessageAsync("C0APPROVALS", Message("before"), Tag, CancellationToken.None);

        await client.UpdateMessageAsync(posted, Message("after"), CancellationToken.None);

        Assert.Equal("after", Assert.Single(slack.Messages).Text);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsSlackApiExceptionWithCode_WhenSlackAnswersOkFalse()
    {
        slack.ErrorNext(1, "channel_not_found");

        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client().PostMessageAsync("C0NOPE", Message("x"), Tag, CancellationToken.None));

        Assert.Equal("channel_not_found", error.Error);
        Assert.Equal("chat.postMessage", error.Method);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsInvalidAuth_WhenTokenIsWrong()
    {
        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client("xoxb-wrong").PostMessageAsync("C1", Message("x"), Tag, CancellationToken.None));

        Assert.Equal("invalid_auth", error.Error);
    }

    [Fact]
    public async Task PostMessageAsync_ThrowsRateLimitedWithRetryAfter_WhenSlackAnswers429()
    {
        slack.RateLimitNext(1, TimeSpan.FromSeconds(7));

        var error = await Assert.ThrowsAsync<SlackRateLimitedException>(() => Client().PostMessageAsync("C1", Message("x"), Tag, CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task UpdateMessageAsync_ThrowsHttpRequestException_WhenSlackAnswers500()
    {
        slack.FailNext(1);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => Client().UpdateMessageAsync(new("C1", "1.2"), Message("x"), CancellationToken.None));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("https://hooks.slack.com.evil.example/actions/T1/1/x")]
    [InlineData("http://hooks.slack.com/actions/T1/1/x")]
    public async Task PostEphemeralAsync_PostsNothing_WhereTheResponseUrlIsNotSlacks(string responseUrl)
    {
        var before = slack.Requests.Count;

        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client().PostEphemeralAsync(new Uri(responseUrl), "hi", CancellationToken.None));

        Assert.Equal("response_url", error.Method);
        Assert.EndsWith("is not Slack's, so the gateway did not post there", error.Error, StringComparison.Ordinal);
        Assert.Equal(before, slack.Requests.Count);
    }

    [Fact]
    public async Task PostEphemeralAsync_Posts_ToTheResponseUrlOfTheConfiguredSlack()
    {
        await Client().PostEphemeralAsync(slack.ResponseUrl, "hi", CancellationToken.None);

        Assert.Equal("hi", (string?)(await slack.WaitForRequestAsync(FakeSlackServer.ResponseUrlMethod)).Body["text"]);
    }

    [Fact]
    public async Task FindTaggedMessageAsync_FindsThePromptOfThatApproval_AcrossHistoryPages()
    {
        var client = Client();
        var started = DateTimeOffset.UtcNow.AddMinutes(-1);
        var prompt = await client.PostMessageAsync("C0APPROVALS", Message("the prompt"), Tag, CancellationToken.None);
        for (var i = 0; i < 450; i++)
        {
            await client.PostMessageAsync("C0APPROVALS", Message($"later {i}"), new SlackPromptTag($"apr_other{i}"), CancellationToken.None);
        }

        var found = await client.FindTaggedMessageAsync("C0APPROVALS", started, Tag, CancellationToken.None);
        var notThere = await client.FindTaggedMessageAsync("C0APPROVALS", started, new SlackPromptTag("apr_never"), CancellationToken.None);

        Assert.Equal(prompt, found);
        Assert.Null(notThere);
        // 451 messages, newest first, 200 a page: each lookup reads three pages to reach the oldest.
        Assert.Equal(6, slack.Requests.Count(r => r.Method == "conversations.history" && (string?)r.Body["channel"] == "C0APPROVALS" && (string?)r.Body["include_all_metadata"] == "true"));
    }

    [Fact]
    public async Task FindTaggedMessageAsync_ThrowsSlackApiException_WhenTheAppMayNotReadTheChannel()
    {
        slack.HistoryError = "missing_scope";

        var error = await Assert.ThrowsAsync<SlackApiException>(() => Client().FindTaggedMessageAsync("C0APPROVALS", DateTimeOffset.UtcNow, Tag, CancellationToken.None));

        Assert.Equal("missing_scope", error.Error);
    }

    [Fact]
    public async Task OpenSocketModeConnectionAsync_ReturnsWebSocketUrl_WhenAppTokenIsValid()
    {
        var url = await Client().OpenSocketModeConnectionAsync(CancellationToken.None);

        Assert.Equal("ws", url.Scheme);
        Assert.Equal(FakeSlackServer.AppToken, slack.Requests.Single().BearerToken);
    }

    private static readonly SlackPromptTag Tag = new("apr_1");

    private SlackApiClient Client(string botToken = FakeSlackServer.BotToken) =>
        new(http, Options.Create(new SlackOptions { BotToken = botToken, AppToken = FakeSlackServer.AppToken }), TimeProvider.System);

    private static SlackMessage Message(string text) => new(text, [new System.Text.Json.Nodes.JsonObject { ["type"] = "section", ["text"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "mrkdwn", ["text"] = text } }]);
}
