using System.Net;
using System.Net.Http.Headers;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.EndToEnd;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.Metrics;

/// <summary>
/// <c>/metrics</c> as Prometheus scrapes it from a real gateway in front of the demo exchange. Every test names
/// its upstream uniquely: meters are matched by name, so a scrape may also carry series of gateways that other
/// tests run in this process at the same time.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Calls = "approval_gateway_tool_calls_total";
    private const string Token = "metrics-scrape-token-0123456789";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Scrape_ShowsAHeldCallWhileItWaits_ThenCountsItWithItsWait_OnceApproved()
    {
        var upstream = UniqueUpstream();
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), upstream: TestUpstreams.DemoStdio(upstream));
        await using var agent = await scenario.ConnectAsync();
        await OpenTwapOrdersAsync(agent);

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var approval = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        var whileHeld = await PrometheusScrape.GetAsync(scenario.Gateway.BaseAddress);
        using (var response = await scenario.DecideAsync(Alice, approval.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        var after = await PrometheusScrape.GetAsync(scenario.Gateway.BaseAddress);

        var on = ("upstream", upstream);
        Assert.Equal(1, whileHeld.Sum("approval_gateway_approvals_held", on));
        Assert.Equal(0, whileHeld.Sum(Calls, on, ("tool", CancelTwap)));
        Assert.Equal(1, whileHeld.Sum(Calls, on, ("tool", "BinanceSpotCurrentAlgoOpenOrders"), ("outcome", "forwarded"), ("agent", "anonymous")));
        Assert.Equal(0, after.Sum("approval_gateway_approvals_held", on));
        var risk = scenario.AuditOf(CancelTwap)[^1].RiskClass;
        Assert.Equal(1, after.Sum(Calls, on, ("tool", CancelTwap), ("outcome", "forwarded"), ("risk", risk)));
        Assert.Equal(1, after.Sum("approval_gateway_approval_wait_seconds_count", on, ("outcome", "forwarded")));
        Assert.Equal(2, after.Sum("approval_gateway_upstream_duration_seconds_count", on));
        Assert.Equal(2, after.Sum("approval_gateway_tool_call_duration_seconds_count", on, ("outcome", "forwarded")));
        Assert.Equal(1, after.Sum("approval_gateway_approval_decisions_total", on, ("channel", "api"), ("decision", "approve"), ("result", "resolved")));
    }

    [Fact]
    public async Task Scrape_CountsADecisionBySomeoneTheRuleDoesNotList_AsNotAllowed()
    {
        var upstream = UniqueUpstream();
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120, "approvers": ["bob"] }"""), upstream: TestUpstreams.DemoStdio(upstream));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var approval = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        using (var refused = await scenario.DecideAsync(Alice, approval.Id, "approve"))
        {
            Assert.False(refused.IsSuccessStatusCode);
        }

        using (var rejected = await scenario.DecideAsync(Bob, approval.Id, "reject", reason: "not today"))
        {
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        }

        Assert.True((await call.WaitAsync(Guard)).IsError);
        var scrape = await PrometheusScrape.GetAsync(scenario.Gateway.BaseAddress);

        var on = ("upstream", upstream);
        Assert.Equal(1, scrape.Sum("approval_gateway_approval_decisions_total", on, ("decision", "approve"), ("result", "not_allowed")));
        Assert.Equal(1, scrape.Sum("approval_gateway_approval_decisions_total", on, ("decision", "reject"), ("result", "resolved")));
        Assert.Equal(1, scrape.Sum(Calls, on, ("tool", CancelTwap), ("outcome", "rejected")));
        Assert.Equal(1, scrape.Sum("approval_gateway_approval_wait_seconds_count", on, ("outcome", "rejected")));
    }

    [Fact]
    public async Task Scrape_CountsDeniedAndRateLimitedCalls_ByTheirOutcome()
    {
        var upstream = UniqueUpstream();
        const string policy = """
            { "version": "1", "default": "allow",
              "tools": {
                "BinanceWalletWithdraw": { "action": "deny", "reason": "withdrawals are done by hand" },
                "BinanceTickerPrice": { "action": "allow", "rate_limit": { "max": 1, "window": 60 } } } }
            """;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(upstream), policy);
        await using var agent = await gateway.ConnectAsync();
        var ticker = new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" };

        Assert.True((await agent.CallToolAsync(Withdraw, WithdrawArgs("w-1"))).IsError);
        await agent.CallToolAsync("BinanceTickerPrice", ticker);
        Assert.True((await agent.CallToolAsync("BinanceTickerPrice", ticker)).IsError);
        var scrape = await PrometheusScrape.GetAsync(gateway.BaseAddress);

        var on = ("upstream", upstream);
        Assert.Equal(1, scrape.Sum(Calls, on, ("tool", Withdraw), ("outcome", "denied")));
        Assert.Equal(1, scrape.Sum(Calls, on, ("tool", "BinanceTickerPrice"), ("outcome", "forwarded")));
        Assert.Equal(1, scrape.Sum(Calls, on, ("tool", "BinanceTickerPrice"), ("outcome", "rate_limited")));
        Assert.Equal(1, scrape.Sum("approval_gateway_upstream_duration_seconds_count", on));
    }

    [Fact]
    public async Task Scrape_CountsACallRefusedForWantOfItsAuditRecord_AsAuditFailed()
    {
        var upstream = UniqueUpstream();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.DemoStdio(upstream),
            configure: builder => builder.Services.AddSingleton<IAuditLog>(sp => new RefusingAuditLog(sp.GetRequiredService<FileAuditLog>(), "BinanceTickerPrice")));
        await using var agent = await gateway.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            agent.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" }).AsTask());
        var scrape = await PrometheusScrape.GetAsync(gateway.BaseAddress);

        Assert.Contains("could not write its audit record, so it did not send the call to the upstream", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, scrape.Sum(Calls, ("upstream", upstream), ("tool", "BinanceTickerPrice"), ("outcome", "audit_failed")));
        Assert.Equal(0, scrape.Sum("approval_gateway_upstream_duration_seconds_count", ("upstream", upstream)));
    }

    [Fact]
    public async Task Scrape_NeedsTheConfiguredToken_EvenFromLoopback()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.DemoStdio(UniqueUpstream()), new Dictionary<string, string?> { ["Gateway:Metrics:Token"] = Token }));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var anonymous = await http.GetAsync("/metrics");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token + "x") } };
        using var wrongAnswer = await http.SendAsync(wrong);
        var scrape = await PrometheusScrape.GetAsync(gateway.BaseAddress, Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("Authorization: Bearer <token>", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAnswer.StatusCode);
        Assert.True(scrape.Has("dotnet_process_cpu_time_seconds_total"), "the runtime's meter is exported");
        Assert.True(scrape.Has("kestrel_active_connections"), "Kestrel's meter is exported");
    }

    [Fact]
    public async Task MetricsPath_IsNotServed_WhenMetricsAreDisabled()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.DemoStdio(UniqueUpstream()), new Dictionary<string, string?> { ["Gateway:Metrics:Enabled"] = "false" }));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var response = await http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static string UniqueUpstream() => $"metrics-{Guid.NewGuid():N}"[..16];

    /// <summary>The real file sink, except that the record letting <paramref name="tool"/>'s calls go cannot be written.</summary>
    private sealed class RefusingAuditLog(IAuditLog inner, string tool) : IAuditLog
    {
        public ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken) =>
            record.Tool == tool && record.LetsCallGo
                ? ValueTask.FromException(new IOException("No space left on device"))
                : inner.AppendAsync(record, cancellationToken);

        public IReadOnlyList<AuditRecord> Recent(int limit) => inner.Recent(limit);
    }
}
