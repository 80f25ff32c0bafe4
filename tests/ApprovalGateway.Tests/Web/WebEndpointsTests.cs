using System.Net;
using System.Text.Json;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Web;

public sealed class WebEndpointsTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    public async Task Page_AnswersUnauthorized_WhenNotSignedIn(string path)
    {
        await using var app = await WebTestApp.StartAsync();
        using var client = app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Page_IsServedWithContentSecurityPolicy_WhenSignedIn()
    {
        await using var app = await WebTestApp.StartAsync();
        using var client = app.CreateClient("alice");

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<title>Approvals", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/js/app.js", "text/javascript")]
    [InlineData("/css/app.css", "text/css")]
    [InlineData("/lib/signalr/signalr.min.js", "text/javascript")]
    [InlineData("/img/icon.svg", "image/svg+xml")]
    public async Task Assets_AreServedWithoutSignIn_SoTheLoginFormCanUseThem(string path, string mediaType)
    {
        await using var app = await WebTestApp.StartAsync();
        using var client = app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Assets_AnswerNotFound_ForMissingFiles()
    {
        await using var app = await WebTestApp.StartAsync();
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/js/missing.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Hub_RefusesTheConnection_WhenNotSignedIn()
    {
        await using var app = await WebTestApp.StartAsync();
        await using var connection = Connect(app, approver: null);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task Hub_PushesEveryChangeWithSecretsMasked_WhenAnApprovalIsAddedAndDecided()
    {
        await using var app = await WebTestApp.StartAsync();
        await using var connection = Connect(app, "alice");
        var pending = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resolved = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>(ApprovalsHub.ApprovalChangedMethod, message =>
            (message.GetProperty("status").GetString() == "pending" ? pending : resolved).TrySetResult(message));
        await connection.StartAsync();

        app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var added = await pending.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await app.Approvals.DecideAsync("apr-1", new("carol", "U42"), approve: false, "Too large", null, "slack", CancellationToken.None);
        var decided = await resolved.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("***", added.GetProperty("arguments").GetProperty("apiKey").GetString());
        Assert.DoesNotContain(ApprovalSamples.ApiKey, added.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("exchange_place_order", added.GetProperty("tool").GetString());
        Assert.Equal("sess-4c1d", added.GetProperty("session_id").GetString());
        Assert.Equal("critical", added.GetProperty("risk").GetString());
        Assert.Equal("financial", added.GetProperty("category").GetString());
        Assert.Equal(30, added.GetProperty("grant_minutes_max").GetInt32());
        Assert.Equal("rejected", decided.GetProperty("status").GetString());
        var vote = Assert.Single(decided.GetProperty("votes").EnumerateArray());
        Assert.Equal(("carol", "reject", "slack"), (vote.GetProperty("approver").GetString(), vote.GetProperty("decision").GetString(), vote.GetProperty("channel").GetString()));
    }

    [Theory]
    [InlineData(true, new[] { "slack", "web" })]
    [InlineData(false, new[] { "web" })]
    public async Task Hub_NamesSlackAmongAnApprovalsChannels_OnlyWhenSlackIsConfigured(bool slack, string[] expected)
    {
        await using var app = await WebTestApp.StartAsync(slack);
        await using var connection = Connect(app, "alice");
        var pushed = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<JsonElement>(ApprovalsHub.ApprovalChangedMethod, message => pushed.TrySetResult(message));
        await connection.StartAsync();

        app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var added = await pushed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Before, the rule's default ["slack","web"] went out as it was, with no Slack to prompt anyone.
        Assert.Equal(expected, added.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void Options_FailNamingTheSetting_WhenTheFolderHasNoPage()
    {
        var empty = Directory.CreateTempSubdirectory("web-assets-").FullName;
        try
        {
            var result = new WebOptionsValidator().Validate(null, new WebOptions { AssetsPath = empty });

            Assert.True(result.Failed);
            Assert.Contains("Web:AssetsPath", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains("index.html", result.FailureMessage, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void Options_Pass_ForTheWwwrootBuiltNextToTheGateway()
    {
        var result = new WebOptionsValidator().Validate(null, new WebOptions());

        Assert.Equal(ValidateOptionsResult.Success, result);
    }

    [Fact]
    public void Options_FailNamingEverySignInThrottleSetting_WhenTheyAllowNothing()
    {
        var options = new WebOptions { MaxFailedSignInsPerName = 0, MaxFailedSignInsPerAddress = -1, FailedSignInWindow = TimeSpan.Zero };

        var result = new WebOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
        Assert.Contains("Web:MaxFailedSignInsPerName is 0", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Web:MaxFailedSignInsPerAddress is -1", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Web:FailedSignInWindow is 00:00:00", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_FailNamingTheSignInLifetime_WhenItIsNotPositive()
    {
        var result = new WebOptionsValidator().Validate(null, new WebOptions { SignInLifetime = TimeSpan.FromHours(-1) });

        Assert.Equal("Web:SignInLifetime is -01:00:00; give a positive time span such as 12:00:00.", Assert.Single(result.Failures!));
    }

    private static HubConnection Connect(WebTestApp app, string? approver) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.Url, ApprovalsHub.Path.TrimStart('/')), HttpTransportType.WebSockets, options =>
            {
                options.SkipNegotiation = false;
                if (approver is not null)
                {
                    options.Headers["Cookie"] = $"{TestApproverAuthentication.CookieName}={approver}";
                }
            })
            .Build();
}
