using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Tests.Approvals;

[Collection(HangfireCollection.Name)]
public sealed class ApprovalsApiTests : IAsyncLifetime
{
    private ApprovalsHost _host = null!;

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory]
    [InlineData("/api/approvals")]
    [InlineData("/hangfire")]
    public async Task Get_Answers401_WhenNotSignedIn(string path)
    {
        using var response = await _host.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/approvals")]
    [InlineData("/hangfire")]
    public async Task Get_Answers403_WhenSignedInButNotApprover(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, "mallory", approver: false);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_Answers200_WhenApproverSignedIn()
    {
        using var response = await SendAsync(HttpMethod.Get, "/hangfire", "alice");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_ShowsAHeldCallsArguments_WithSecretsMasked()
    {
        var (_, id) = await HoldAsync();

        using var response = await SendAsync(HttpMethod.Get, $"/hangfire/jobs/details/{id}", "alice");
        var page = await response.Content.ReadAsStringAsync();

        // Before, the job's stored approval showed "apiKey":"k-123" to every approver, though the page and API mask it.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("frozen_arguments", page, StringComparison.Ordinal);
        Assert.DoesNotContain("k-123", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_IsReadOnly_SoAnApproversClickCannotDeleteTheJobThatExpiresAHeldCall()
    {
        var (waiting, id) = await HoldAsync();
        var jobs = _host.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        using var form = new FormUrlEncodedContent([new KeyValuePair<string, string>("jobs[]", id)]);
        using var delete = new HttpRequestMessage(HttpMethod.Post, new Uri("/hangfire/jobs/scheduled/delete", UriKind.Relative)) { Content = form };
        delete.Headers.Add("X-Test-User", "alice");

        // Before, 204 and the job was gone: the approval stayed pending past its deadline and the agent waited on.
        using var response = await _host.Http.SendAsync(delete);

        Assert.False(response.IsSuccessStatusCode, $"the dashboard deleted the approval's job ({(int)response.StatusCode})");
        Assert.Equal("Scheduled", jobs.JobDetails(id)?.History.FirstOrDefault()?.StateName);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task GetPending_ListsApprovalWithMaskedSecretsInSnakeCase_WhenCallIsHeld()
    {
        var (waiting, id) = await HoldAsync();

        using var response = await SendAsync(HttpMethod.Get, "/api/approvals?status=pending", "alice");
        using var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using var one = await SendAsync(HttpMethod.Get, $"/api/approvals/{id}", "alice");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = Assert.Single(list.RootElement.EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal("pending", item.GetProperty("status").GetString());
        Assert.Equal("***", item.GetProperty("arguments").GetProperty("apiKey").GetString());
        Assert.Equal("BTCUSDT", item.GetProperty("arguments").GetProperty("symbol").GetString());
        Assert.Equal(ApprovalsHost.Request().ArgumentsSha256, item.GetProperty("arguments_sha256").GetString());
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.False(waiting.IsCompleted);
    }

    [Theory]
    [InlineData("xoxb-approvals-host", new[] { "slack", "web" })]
    [InlineData("", new[] { "web" })]
    public async Task GetApproval_NamesSlackAmongItsChannels_OnlyWhenSlackIsConfigured(string botToken, string[] expected)
    {
        await _host.DisposeAsync();
        _host = await ApprovalsHost.StartAsync(new Dictionary<string, string?> { ["Slack:BotToken"] = botToken });
        var (_, id) = await HoldAsync();

        using var response = await SendAsync(HttpMethod.Get, $"/api/approvals/{id}", "alice");
        using var list = await SendAsync(HttpMethod.Get, "/api/approvals?status=pending", "alice");
        var one = await response.Content.ReadFromJsonAsync<JsonElement>();
        var listed = Assert.Single((await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());

        // Before, every rule without its own channels said ["slack","web"], Slack configured or not.
        Assert.Equal(expected, one.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(expected, listed.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task PostDecision_Answers200ThenConflict_WhenApprovedTwice()
    {
        var (waiting, id) = await HoldAsync();

        using var first = await SendAsync(HttpMethod.Post, $"/api/approvals/{id}/decision", "alice", """{"decision":"approve","reason":"ok"}""", slack: "UALICE");
        var outcome = await waiting;
        using var second = await SendAsync(HttpMethod.Post, $"/api/approvals/{id}/decision", "bob", """{"decision":"reject","reason":"no"}""");
        var firstBody = await first.Content.ReadFromJsonAsync<JsonElement>();
        var secondBody = await second.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("resolved", firstBody.GetProperty("result").GetString());
        Assert.Equal("approved", firstBody.GetProperty("approval").GetProperty("status").GetString());
        Assert.Equal(DecisionKind.Approved, outcome.Kind);
        Assert.Equal("UALICE", _host.Decisions.Get(id)!.Votes[0].SlackUserId);
        Assert.Equal("api", _host.Decisions.Get(id)!.Votes[0].Channel);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("Already approved by alice", secondBody.GetProperty("message").GetString());
    }

    [Fact]
    public async Task PostDecision_Answers403AndStaysPending_WhenApproverNotListed()
    {
        var (waiting, id) = await HoldAsync(ApprovalSettings.Default with { Approvers = ["bob"] });

        using var response = await SendAsync(HttpMethod.Post, $"/api/approvals/{id}/decision", "alice", """{"decision":"approve"}""");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, _host.Decisions.Get(id)!.Status);
        Assert.False(waiting.IsCompleted);
    }

    [Theory]
    [InlineData("""{"decision":"maybe"}""")]
    [InlineData("""not json""")]
    [InlineData("""{"decision":"approve","grant_minutes":0}""")]
    public async Task PostDecision_Answers400_WhenBodyIsBad(string body)
    {
        var (_, id) = await HoldAsync();

        using var response = await SendAsync(HttpMethod.Post, $"/api/approvals/{id}/decision", "alice", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, _host.Decisions.Get(id)!.Status);
    }

    [Theory]
    [InlineData("GET", "/api/approvals/00000000-0000-0000-0000-000000000000", null)]
    [InlineData("GET", "/api/approvals/not-an-id", null)]
    [InlineData("POST", "/api/approvals/00000000-0000-0000-0000-000000000000/decision", """{"decision":"approve"}""")]
    public async Task Request_Answers404_WhenApprovalUnknown(string method, string path, string? body)
    {
        using var response = await SendAsync(new HttpMethod(method), path, "alice", body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<(Task<ApprovalOutcome> Waiting, string Id)> HoldAsync(ApprovalSettings? settings = null)
    {
        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(settings), null, CancellationToken.None);
        var pending = await _host.Observer.WaitForAsync(ApprovalStatus.Pending);
        return (waiting, pending.Id);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string user, string? body = null, bool approver = true, string? slack = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Test-User", user);
        if (!approver)
        {
            request.Headers.Add("X-Test-Approver", "no");
        }

        if (slack is not null)
        {
            request.Headers.Add("X-Test-Slack", slack);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await _host.Http.SendAsync(request);
    }
}
