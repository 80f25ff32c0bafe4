using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Metrics;
using ApprovalGateway.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.Policy;

/// <summary><c>GET /api/policy</c> on a running gateway, with the agents and approvers it is configured with.</summary>
public sealed class PolicyStatusApiTests
{
    private const string ApproverToken = "alice-approver-token-0001";
    private const string ReloadFailed = "approval_gateway_policy_reload_failed";

    [Fact]
    public async Task Get_ListsAgentSectionsAndApproversTheGatewayDoesNotHave_AsTheStartupLogDoes()
    {
        var log = new PolicyWarningLog();
        var settings = TestUpstreams.Merge(TestUpstreams.DemoStdio(), new Dictionary<string, string?>
        {
            ["Gateway:Agents:bot1:ApiKey"] = "bot1-agent-key-0123456789",
            ["Approvers:alice:Token"] = ApproverToken,
            ["Approvers:bob:SlackUserId"] = "UBOB",
        });
        const string policy = """
            { "default": "allow",
              "tools": { "BinanceWalletWithdraw": { "action": "require_approval", "approval": { "approvers": ["bobb"] } } },
              "agents": { "Bot1": { "tools": { "BinanceNewOrder": "deny" } }, "ghost": { "default": "deny" } } }
            """;
        await using var gateway = await GatewayHost.StartAsync(settings, policy, builder => builder.Logging.AddProvider(log));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApproverToken);

        var status = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/policy", UriKind.Relative)))!;

        string[] expected =
        [
            "line 3: agents.ghost applies to no one: no agent of this gateway is named \"ghost\" (its agents: bot1)",
            "line 2: tools[\"BinanceWalletWithdraw\"].approval.approvers: \"bobb\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls",
            "line 2: tools[\"BinanceWalletWithdraw\"].approval.approvers: none of the listed approvers is configured, so calls held by this rule can only time out",
        ];
        Assert.Equal(expected, status["warnings"]!.AsArray().Select(w => (string)w!));
        Assert.Equal(expected.Select(w => $"Policy {gateway.PolicyPath}: {w}"), log.Lines);
    }

    [Fact]
    public async Task Get_ListsRuleApproversNoOneCanDecideAs_OnTheEmbeddedDefaultsWithNoApproverOrSlack()
    {
        var log = new PolicyWarningLog();
        const string policy = """
            {"default":"allow","tools":{"BinanceNewOrder":{"action":"require_approval","approval":{"approvers":["alice"],"timeout":30}}}}
            """;
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), policy, builder => builder.Logging.AddProvider(log));
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };

        var status = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/policy", UriKind.Relative)))!;

        // Before, the policy loaded without a word: its calls could only time out, and the page's decision was refused
        // with "local is not an approver for rule tools["BinanceNewOrder"]".
        const string expected = "line 1: tools[\"BinanceNewOrder\"].approval.approvers: \"alice\" can never decide this rule's calls, so they can only time out: "
            + "no approver is configured (Approvers:{name}) and Slack is not configured, so the page and API decide as \"local\"";
        Assert.Equal([expected], status["warnings"]!.AsArray().Select(w => (string)w!));
        Assert.Equal([$"Policy {gateway.PolicyPath}: {expected}"], log.Lines);
    }

    [Fact]
    public async Task ARejectedReload_IsAWarningInApiHealth_AndAGaugeInMetrics_WhileHealthzStaysOk()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.DemoStdio(), new Dictionary<string, string?> { ["Approvers:alice:Token"] = ApproverToken }));
        using var loadBalancer = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var api = new HttpClient { BaseAddress = gateway.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApproverToken);
        var store = gateway.Services.GetRequiredService<PolicyStore>();
        var failed = ("path", gateway.PolicyPath);
        var gaugeBefore = (await PrometheusScrape.GetAsync(gateway.BaseAddress)).Sum(ReloadFailed, failed);

        await File.WriteAllTextAsync(gateway.PolicyPath, "{ \"default\": \"allow\",\n  \"tools\": { \"x\": \"maybe\" } }");
        Assert.False(store.Reload());
        using var healthz = await loadBalancer.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var health = await api.GetAsync(new Uri("/api/health", UriKind.Relative));
        var detail = JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
        var gaugeWhileRejected = (await PrometheusScrape.GetAsync(gateway.BaseAddress)).Sum(ReloadFailed, failed);

        await File.WriteAllTextAsync(gateway.PolicyPath, GatewayHost.AllowAll);
        Assert.True(store.Reload());
        var detailAfter = JsonNode.Parse(await api.GetStringAsync(new Uri("/api/health", UriKind.Relative)))!;
        var gaugeAfter = (await PrometheusScrape.GetAsync(gateway.BaseAddress)).Sum(ReloadFailed, failed);

        // The last good policy serves every call as before: another instance would do no better, so a load balancer is not told.
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (string?)detail["status"]);
        Assert.Empty(detail["problems"]!.AsArray());

        // Before, only the log and GET /api/policy said so: /api/health listed nothing and /metrics had no series for it.
        var warning = (string)Assert.Single(detail["warnings"]!.AsArray())!;
        Assert.StartsWith("Policy reload rejected since ", warning, StringComparison.Ordinal);
        Assert.Contains($"{gateway.PolicyPath}:2: ", warning, StringComparison.Ordinal);
        Assert.EndsWith("is in force; the gateway will not start with this file.", warning, StringComparison.Ordinal);
        Assert.Equal((0, 1, 0), (gaugeBefore, gaugeWhileRejected, gaugeAfter));
        Assert.Null(detailAfter["warnings"]);
    }

    [Fact]
    public async Task AMisspeltToolRule_IsLoggedWhenTheGatewayStarts_AndWhenAReloadBringsOne()
    {
        var log = new PolicyWarningLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.DemoStdio(),
            """{ "default": "allow", "tools": { "BinanceWalletWithdrawl": "deny" } }""",
            builder => builder.Logging.AddProvider(log));
        var misspelt = $"Policy {gateway.PolicyPath}: tools[\"BinanceWalletWithdrawl\"] matches no tool the upstreams serve now (did you mean BinanceWalletWithdraw?), so it applies to no call";

        // Before, only /api/policy and the Tools tab said so: the log, where an admin who edits the file looks, did not.
        Assert.Equal([misspelt], log.Lines);

        await File.WriteAllTextAsync(gateway.PolicyPath, """{ "default": "allow", "tools": { "BinanceWalletWithdrawl": "deny", "BinanceNewOrdr": "deny" } }""");
        Assert.True(gateway.Services.GetRequiredService<PolicyStore>().Reload());

        Assert.Equal(
            [misspelt, $"Policy {gateway.PolicyPath}: tools[\"BinanceNewOrdr\"] matches no tool the upstreams serve now (did you mean BinanceNewOrder?), so it applies to no call"],
            log.Lines);
    }
}
