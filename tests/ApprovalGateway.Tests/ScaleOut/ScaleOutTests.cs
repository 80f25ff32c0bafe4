using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Slack;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Auth;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Slack;
using ApprovalGateway.Tests.Web;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using ModelContextProtocol.Protocol;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Two gateway instances behind one load balancer behave as one gateway.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class ScaleOutTests(ScaleOutServices services)
{
    private const string HoldEcho = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600, "grant_minutes": 15 } } }
        }
        """;

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallHeldOnA_IsReleased_WhenApprovedOnB(bool redis)
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis, HoldEcho);
        await using var agent = await pair.A.ConnectAsync();

        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        using var onB = pair.B.Approver(ScaleOutGateway.AliceToken);
        using var decision = await onB.DecideAsync(pending.Id, """{"decision":"approve","reason":"looks fine"}""");

        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);

        // The approval's deadline is ten minutes away: only a wake-up from B can release the call in time.
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(true, result.IsError);
        Assert.Contains("hello", Assert.IsType<TextContentBlock>(result.Content[0]).Text, StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task CallHeldOnA_IsReleased_WhenApprovedInSlackThroughB_AndItsOnePromptSaysSo()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        var settings = slack.GatewaySettings();
        settings["Approvers:alice:SlackUserId"] = SlackUser.Alice.Id;
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho, settings);
        await using var agent = await pair.A.ConnectAsync();

        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        var prompt = await slack.WaitForMessageAsync(m => m.AllText.Contains(pending.Id, StringComparison.Ordinal) && m.Buttons.Any());

        // The load balancer hands Slack's request to B.
        using var click = await slack.ClickAsync(
            new Uri(pair.B.BaseAddress, SlackInteractionEndpoints.Path), SlackUser.Alice, SlackActionIds.Approve, pending.Id);

        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(true, result.IsError);
        var updated = await slack.WaitForMessageAsync(m => m.Ts == prompt.Ts && m.AllText.Contains($"Approved by <@{SlackUser.Alice.Id}>", StringComparison.Ordinal));
        Assert.Empty(updated.Buttons);

        // Both instances run Hangfire workers on the shared queue; the prompt still went out once.
        Assert.Single(slack.Messages, m => m.AllText.Contains(pending.Id, StringComparison.Ordinal));
    }

    [ServicesFact]
    public async Task ApproverSignedInOnA_DecidesOnB_WithTheCookieAndTokenAGave()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: false, HoldEcho, ApproverBrowser.AlicePassword());
        await using var agent = await pair.A.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        var cookies = new CookieContainer();
        using var browser = await ApproverBrowser.SignInAsync(pair.A.BaseAddress, cookies);
        using var token = JsonDocument.Parse(await browser.GetStringAsync(new Uri(pair.A.BaseAddress, "/api/antiforgery")));

        // The page loaded from A; its Approve click lands on B.
        using var click = new HttpRequestMessage(HttpMethod.Post, new Uri(pair.B.BaseAddress, $"/api/approvals/{pending.Id}/decision"))
        {
            Content = new StringContent("""{"decision":"approve"}""", Encoding.UTF8, "application/json"),
        };
        click.Headers.Add(ApiAntiforgeryMiddleware.HeaderName, token.RootElement.GetProperty("token").GetString());
        using var decided = await browser.SendAsync(click);

        Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        Assert.NotEqual(true, (await call.WaitAsync(TimeSpan.FromSeconds(30))).IsError);
    }

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignOutOnA_ClosesTheApproversLivePageOnB(bool redis)
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis, HoldEcho, ApproverBrowser.AlicePassword());
        var cookies = new CookieContainer();
        using var browser = await ApproverBrowser.SignInAsync(pair.A.BaseAddress, cookies);

        // The browser's page went to B through the load balancer; its sign-out goes to A.
        await using var page = PageOn(pair.B.BaseAddress, cookies);
        var watch = PageWatch.On(page);
        await page.StartAsync();
        var signedOut = await SignOutAsync(browser, pair.A.BaseAddress);

        // Before, only A closed alice's connections: the page on B went on receiving every held call and its arguments.
        Assert.Equal(HttpStatusCode.Redirect, signedOut);
        await watch.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HubConnectionState.Disconnected, page.State);
        var again = await Assert.ThrowsAsync<HttpRequestException>(() => page.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [ServicesFact]
    public async Task SignOutOnAWhileRedisIsDown_ClosesTheApproversLivePageOnB_OnceRedisIsBack()
    {
        var publishFailed = new EventLog(8030);
        await using var pair = await ScaleOutPair.StartAsync(
            services, redis: true, HoldEcho, ApproverBrowser.AlicePassword(), builder => builder.Logging.AddProvider(publishFailed));
        var cookies = new CookieContainer();
        using var browser = await ApproverBrowser.SignInAsync(pair.A.BaseAddress, cookies);
        await using var page = PageOn(pair.B.BaseAddress, cookies);
        var watch = PageWatch.On(page);
        await page.StartAsync();

        await services.RestartRedisAsync(whileDown: async () =>
        {
            Assert.Equal(HttpStatusCode.Redirect, await SignOutAsync(browser, pair.A.BaseAddress));
            await publishFailed.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        });

        // Before, the sign-out that never reached B was simply lost: the page on B stayed open, receiving every held
        // call and its arguments. Now B makes its pages reconnect once its channel is back, and this one may not.
        await watch.Closed.WaitAsync(TimeSpan.FromSeconds(60));
        var again = await Assert.ThrowsAsync<HttpRequestException>(() => page.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [ServicesFact]
    public async Task SignOutOnAWhileOnlyACannotReachRedis_ClosesTheApproversLivePageOnB_OnceAIsBack()
    {
        await using var relay = TcpRelay.Start(services.RedisConnectionString);
        var publishFailed = new EventLog(8030);
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho, ApproverBrowser.AlicePassword(), builder =>
        {
            builder.Configuration["Redis:ConnectionString"] = relay.Address;
            builder.Logging.AddProvider(publishFailed);
        });
        var cookies = new CookieContainer();
        using var browser = await ApproverBrowser.SignInAsync(pair.A.BaseAddress, cookies);
        await using var page = PageOn(pair.B.BaseAddress, cookies);
        var watch = PageWatch.On(page);
        await page.StartAsync();

        relay.Cut();
        Assert.Equal(HttpStatusCode.Redirect, await SignOutAsync(browser, pair.A.BaseAddress));
        await publishFailed.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        relay.Restore();

        // Before, B's own channel never went down, so it had no reason to reload its pages and this one stayed open.
        await watch.Closed.WaitAsync(TimeSpan.FromSeconds(60));
        var again = await Assert.ThrowsAsync<HttpRequestException>(() => page.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [ServicesFact(Chromium = true)]
    public async Task CallHeldOnAWhileRedisIsDown_ShowsOnTheLivePageOnB_OnceRedisIsBack()
    {
        var pushFailed = new EventLog(7000);
        await using var pair = await ScaleOutPair.StartAsync(
            services, redis: true, HoldEcho, ApproverBrowser.AlicePassword(), builder => builder.Logging.AddProvider(pushFailed));
        await using var chromium = await BrowserSession.LaunchAsync();
        var context = await chromium.NewContextAsync(pair.B.BaseAddress);
        var page = await context.NewPageAsync();
        await BrowserSession.SignInAsync(page, "alice", ApproverBrowser.Password);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await using var agent = await pair.A.ConnectAsync();
        Task<CallToolResult>? call = null;

        await services.RestartRedisAsync(whileDown: async () =>
        {
            call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "held while redis was down" }).AsTask();
            await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
            await pushFailed.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        });

        // Before, the push A sent through the backplane while Redis was down was lost, and the approver watching B
        // never saw the call: it waited out its timeout unless they reloaded the page by hand.
        await Expect(page.GetByRole(AriaRole.Article).Filter(new() { HasText = "held while redis was down" }))
            .ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.False(call!.IsCompleted);
    }

    [ServicesFact]
    public async Task CallHeldOnB_ApprovedOnAWhileOnlyACannotReachRedis_IsReleasedOnceAIsBack()
    {
        // Only A's path to Redis goes through the relay, so A alone can be cut off from it, as by a network fault.
        await using var relay = TcpRelay.Start(services.RedisConnectionString);
        var publishFailed = new EventLog(8000);
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho, configureA: builder =>
        {
            builder.Configuration["Redis:ConnectionString"] = relay.Address;
            builder.Logging.AddProvider(publishFailed);
        });
        await using var pageOnB = pair.B.Hub(ScaleOutGateway.AliceToken);
        var onB = await WatchAsync(pageOnB);
        await using var agent = await pair.B.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "approved on A" }).AsTask();
        var id = await onB.Pending.WaitAsync(TimeSpan.FromSeconds(30));

        relay.Cut();
        using var onA = pair.A.Approver();
        using var decision = await onA.DecideAsync(id);
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        await publishFailed.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        relay.Restore();

        // Before, B never heard of the decision: Redis was up for B, so nothing made it read the approval again, and
        // the approved call waited out its 10-minute timeout. Now A tells the others to read again once it is back.
        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(true, result.IsError);
        Assert.Contains("approved on A", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [ServicesFact]
    public async Task Healthz_AnswersDegraded_WhileTheInstanceCannotReachRedis_AndOkOnceItCan()
    {
        await using var relay = TcpRelay.Start(services.RedisConnectionString);
        await using var a = await ScaleOutGateway.StartAsync(new Dictionary<string, string?> { ["Redis:ConnectionString"] = relay.Address }, HoldEcho);
        using var loadBalancer = new HttpClient { BaseAddress = a.BaseAddress };
        using var api = a.Approver();
        Assert.Equal(HttpStatusCode.OK, await HealthAsync(loadBalancer));

        // Polled, as a load balancer does: the multiplexer notices the cut on its own, and says nothing when it has.
        relay.Cut();
        await WaitForHealthAsync(loadBalancer, HttpStatusCode.ServiceUnavailable);
        using var detail = await api.GetAsync(new Uri("/api/health", UriKind.Relative));
        relay.Restore();

        // Before, /healthz said ok while every call under a rate limit was refused for want of the shared counters.
        Assert.Contains("Redis (Redis:ConnectionString) unreachable", await detail.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await WaitForHealthAsync(loadBalancer, HttpStatusCode.OK);
    }

    private static async Task<HttpStatusCode> HealthAsync(HttpClient client)
    {
        using var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        return health.StatusCode;
    }

    private static async Task WaitForHealthAsync(HttpClient client, HttpStatusCode expected)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await HealthAsync(client) != expected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }
    }

    [ServicesFact]
    public async Task CallHeldOnA_IsReleased_WhenApprovedOnBWhileRedisIsDown()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho);
        await using var agent = await pair.A.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "approved while redis was down" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        CallToolResult? result = null;

        await services.RestartRedisAsync(whileDown: async () =>
        {
            using var onB = pair.B.Approver(ScaleOutGateway.AliceToken);
            using var decision = await onB.DecideAsync(pending.Id);
            Assert.Equal(HttpStatusCode.OK, decision.StatusCode);

            // Before, the call waited for Redis however long it took, its 10-minute deadline included: nothing but a
            // message could make A read the approval again. Now A's waiters read it every 2 s while the channel is down.
            result = await call.WaitAsync(TimeSpan.FromSeconds(60));
        });

        Assert.NotEqual(true, result!.IsError);
        Assert.Contains("approved while redis was down", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
    }

    [ServicesFact]
    public async Task CallHeldOnA_IsReleased_WhenApprovedOnBAfterRedisRestarted()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho);
        await using var agent = await pair.A.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);

        await services.RestartRedisAsync();
        using var onB = pair.B.Approver(ScaleOutGateway.AliceToken);
        using var decision = await onB.DecideAsync(pending.Id);

        // Whether B's wake-up went out before or after the reconnection, A re-reads once it is back.
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(true, result.IsError);
    }

    [ServicesFact]
    public async Task CallHeldOnA_IsReleasedByB_WhenRedisWasDownAsAStarted()
    {
        var redisPort = LoopbackPort.Free();
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
            ["Redis:ConnectionString"] = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{redisPort}"),
            ["Approvers:alice:Token"] = ScaleOutGateway.AliceToken,
        };
        var subscribeFailed = new EventLog(8008);
        await using var a = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder => builder.Logging.AddProvider(subscribeFailed));

        // Redis is not there yet: the instance must keep trying, not stop (it used to, with exit code 0).
        var stopped = Task.Delay(Timeout.Infinite, a.Stopping);
        var first = await Task.WhenAny(subscribeFailed.Logged, stopped).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Same(subscribeFailed.Logged, first);

        await using var redis = await RedisServer.StartAsync(redisPort);
        await using var b = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings);
        await using var agent = await a.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await a.Approvals.WaitForAsync(ApprovalStatus.Pending);
        using var onB = b.Approver(ScaleOutGateway.AliceToken);
        using var decision = await onB.DecideAsync(pending.Id);

        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(true, result.IsError);
        Assert.False(a.Stopping.IsCancellationRequested);
    }

    [ServicesFact]
    public async Task PendingList_IsTheSameOnBothInstances_WhenACallIsHeldOnOne()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: false, HoldEcho);
        await using var agent = await pair.A.ConnectAsync();

        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        var onA = await ApprovalIdsAsync(pair.A.BaseAddress, "pending");
        var onB = await ApprovalIdsAsync(pair.B.BaseAddress, "pending");

        Assert.Equal([pending.Id], onA);
        Assert.Equal(onA, onB);
        Assert.False(call.IsCompleted);
    }

    [ServicesFact]
    public async Task NextCallOnB_Passes_WhenApprovalOnAGaveAGrant()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho);
        await using var agentOnA = await pair.A.ConnectAsync();
        var first = agentOnA.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "first" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        using var onA = pair.A.Approver();
        using var decision = await onA.DecideAsync(pending.Id, """{"decision":"approve","grant_minutes":15}""");
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.NotEqual(true, (await first.WaitAsync(TimeSpan.FromSeconds(30))).IsError);

        await using var agentOnB = await pair.B.ConnectAsync();
        var second = await agentOnB.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "second" })
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(true, second.IsError);
        Assert.Equal([pending.Id], await ApprovalIdsAsync(pair.B.BaseAddress));
    }

    [ServicesFact]
    public async Task CallWaitingOnB_IsReleased_WhenAnApprovalOnAGivesAGrantThatCoversIt()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho);
        await using var pageOnB = pair.B.Hub(ScaleOutGateway.AliceToken);
        var onB = await WatchAsync(pageOnB);
        await using var agentOnB = await pair.B.ConnectAsync();
        var waiting = agentOnB.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "second" }).AsTask();
        var heldOnB = await onB.Pending.WaitAsync(TimeSpan.FromSeconds(30));
        await using var agentOnA = await pair.A.ConnectAsync();
        var first = agentOnA.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "first" }).AsTask();
        var granting = await pair.A.Approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != heldOnB);

        using var onA = pair.A.Approver();
        using var decision = await onA.DecideAsync(granting.Id, """{"decision":"approve","grant_minutes":15}""");

        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.NotEqual(true, (await first.WaitAsync(TimeSpan.FromSeconds(30))).IsError);

        // Its deadline is ten minutes away: only the grant, given on A, can release it in time.
        var released = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(true, released.IsError);
        Assert.Contains("second", Assert.IsType<TextContentBlock>(released.Content[0]).Text, StringComparison.Ordinal);
    }

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GrantRevokedOnB_EndsOnA_AndThePageOnAListsItNoMore(bool redis)
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis, HoldEcho);
        await using var page = pair.A.Hub();
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var emptied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.On<JsonElement>(ApprovalsHub.GrantsChangedMethod, grants =>
        {
            if (grants.GetArrayLength() > 0)
            {
                listed.TrySetResult();
            }
            else if (listed.Task.IsCompleted)
            {
                emptied.TrySetResult();
            }
        });
        await page.StartAsync();
        await using var agent = await pair.A.ConnectAsync();
        var first = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "first" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        using var onA = pair.A.Approver();
        using var decision = await onA.DecideAsync(pending.Id, """{"decision":"approve","grant_minutes":15}""");
        Assert.NotEqual(true, (await first.WaitAsync(TimeSpan.FromSeconds(30))).IsError);
        await listed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var onB = pair.B.Approver(ScaleOutGateway.AliceToken);
        using var revoke = await onB.PostAsync(new Uri($"/api/grants/{pending.Id}/revoke", UriKind.Relative), null);
        await emptied.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var next = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "next" }).AsTask();
        var heldAgain = await pair.A.Approvals.WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Id != pending.Id);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal("echo", heldAgain.Request.Tool);
        Assert.False(next.IsCompleted, "the call after the revocation waits for a human");
        using var grantsOnA = JsonDocument.Parse(await onA.GetStringAsync(new Uri("/api/grants", UriKind.Relative)));
        Assert.Empty(grantsOnA.RootElement.EnumerateArray());
    }

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LivePageOnB_SeesTheCallAndTheDecision_WhenTheCallIsHeldAndDecidedOnA(bool redis)
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis, HoldEcho);
        await using var page = pair.B.Hub(ScaleOutGateway.AliceToken);
        var shownPending = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pushes = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.On<JsonElement>(ApprovalsHub.ApprovalChangedMethod, message =>
        {
            switch (message.GetProperty("status").GetString())
            {
                case "pending":
                    shownPending.TrySetResult(message.Clone());
                    break;
                case "rejected":
                    pushes.TrySetResult(message.Clone());
                    break;
            }
        });
        await page.StartAsync();
        await using var agent = await pair.A.ConnectAsync();

        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await pair.A.Approvals.WaitForAsync(ApprovalStatus.Pending);
        Assert.Equal(pending.Id, (await shownPending.Task.WaitAsync(TimeSpan.FromSeconds(30))).GetProperty("id").GetString());
        using var onA = pair.A.Approver();
        using var decision = await onA.DecideAsync(pending.Id, """{"decision":"reject","reason":"not now"}""");
        var pushed = await pushes.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(pending.Id, pushed.GetProperty("id").GetString());
        Assert.Equal("not now", pushed.GetProperty("reason").GetString());
        Assert.True((await call.WaitAsync(TimeSpan.FromSeconds(30))).IsError);
    }

    [ServicesFact]
    public async Task LivePages_OnBothInstances_SeeTheCallsHeldOnBWithdrawn_WhenBIsStopped()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, HoldEcho);
        await using var pageOnA = pair.A.Hub();
        await using var pageOnB = pair.B.Hub(ScaleOutGateway.AliceToken);
        var onA = await WatchAsync(pageOnA);
        var onB = await WatchAsync(pageOnB);
        await using var agent = await pair.B.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "deploy in progress" }).AsTask();
        var id = await onB.Pending.WaitAsync(TimeSpan.FromSeconds(30));

        var exitCode = await pair.B.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"B exited with code {exitCode}: {pair.B.Output}");
        await onB.Closed.WaitAsync(TimeSpan.FromSeconds(30));

        // B's own page gets its pushes straight from B, not round Redis: they were still on their way back when B
        // closed its connections, and the page went on offering Approve for a call that was gone.
        Assert.True(onB.Withdrawn.IsCompleted, "the page on B was told before its connection closed");
        Assert.Equal(id, (await onB.Withdrawn).GetProperty("id").GetString());
        Assert.Equal(id, (await onA.Withdrawn.WaitAsync(TimeSpan.FromSeconds(30))).GetProperty("id").GetString());
        Assert.True((await call.WaitAsync(TimeSpan.FromSeconds(30))).IsError);
    }

    /// <summary>A started hub connection and what it was told of held calls: the first one pending, then withdrawn.</summary>
    private static async Task<PageWatch> WatchAsync(HubConnection connection)
    {
        var watch = PageWatch.On(connection);
        await connection.StartAsync();
        return watch;
    }

    /// <summary>Signs the browser out at <paramref name="gateway"/>, as the page's sign-out button does; the answer's status.</summary>
    private static async Task<HttpStatusCode> SignOutAsync(HttpClient browser, Uri gateway)
    {
        using var token = JsonDocument.Parse(await browser.GetStringAsync(new Uri(gateway, "/api/antiforgery")));
        using var signOut = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/logout"));
        signOut.Headers.Add(ApiAntiforgeryMiddleware.HeaderName, token.RootElement.GetProperty("token").GetString());
        using var signedOut = await browser.SendAsync(signOut);
        return signedOut.StatusCode;
    }

    /// <summary>The live page's hub connection at <paramref name="gateway"/>, with the browser's <paramref name="cookies"/>; not started.</summary>
    private static HubConnection PageOn(Uri gateway, CookieContainer cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, ApprovalsHub.Path.TrimStart('/')), HttpTransportType.WebSockets, o => o.Cookies = cookies)
            .Build();

    /// <summary>The ids the REST API at <paramref name="gateway"/> lists to alice, all of them or those with <paramref name="status"/>.</summary>
    private static async Task<string[]> ApprovalIdsAsync(Uri gateway, string? status = null)
    {
        using var approver = new HttpClient { BaseAddress = gateway };
        approver.DefaultRequestHeaders.Authorization = new("Bearer", ScaleOutGateway.AliceToken);
        using var list = JsonDocument.Parse(await approver.GetStringAsync(new Uri($"/api/approvals?status={status}", UriKind.Relative)));
        return [.. list.RootElement.EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
    }
}
