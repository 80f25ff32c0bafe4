using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Policy.Tests;

public sealed class CompiledPolicyTests
{
    private readonly RateLimiter _limiter = new(new FakeTimeProvider());

    private PolicyDecision Decide(string json, string tool, RiskClass risk = RiskClass.Low, string? agent = null, string args = "{}") =>
        Facts.Policy(json).Evaluate(Facts.Call(tool, risk, agent, args: args), _limiter);

    [Fact]
    public void Evaluate_HidesTheSeedTool_AndDeniesOthersByDefault()
    {
        const string seed = """{ "version": "1", "default": "deny", "hide": ["BinanceSpotCancelOpenTWAPOrder"] }""";

        var hidden = Decide(seed, "BinanceSpotCancelOpenTWAPOrder", RiskClass.Critical);
        var other = Decide(seed, "BinanceTicker");

        Assert.Equal(new PolicyDecision(DecisionKind.Hidden, "hide[\"BinanceSpotCancelOpenTWAPOrder\"]"), hidden);
        Assert.Equal(DecisionKind.Denied, other.Kind);
        Assert.Equal("default", other.Rule);
        Assert.Contains("default is deny", other.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AllowsAToolListedWithAnEmptyRule_WhenDefaultIsDeny()
    {
        var decision = Decide("""{ "default": "deny", "tools": { "BinanceTicker": {} } }""", "BinanceTicker");

        Assert.Equal(new PolicyDecision(DecisionKind.Allowed, "tools[\"BinanceTicker\"]"), decision);
    }

    [Theory]
    [InlineData("allow", DecisionKind.Allowed)]
    [InlineData("deny", DecisionKind.Denied)]
    [InlineData("require_approval", DecisionKind.ApprovalRequired)]
    public void Evaluate_AppliesTheDefault_WhenNoRuleMatches(string action, DecisionKind expected)
    {
        Assert.Equal(expected, Decide($$"""{ "default": "{{action}}" }""", "Anything").Kind);
    }

    [Fact]
    public void Evaluate_UsesTheRuleReason_WhenDenied()
    {
        var decision = Decide("""{ "default": "allow", "tools": { "BinanceWallet*": { "action": "deny", "reason": "no wallet access" } } }""", "BinanceWalletWithdraw");

        Assert.Equal(new PolicyDecision(DecisionKind.Denied, "tools[\"BinanceWallet*\"]", "no wallet access"), decision);
    }

    [Fact]
    public void Evaluate_NamesTheRuleInTheDefaultReason_WhenDeniedWithoutReason()
    {
        var decision = Decide("""{ "default": "allow", "tools": { "X": "deny" } }""", "X");

        Assert.Equal("denied by tools[\"X\"]", decision.Reason);
    }

    [Fact]
    public void Evaluate_PrefersExactNameOverGlob()
    {
        const string policy = """{ "tools": { "Binance*": "deny", "BinanceTicker": "allow" } }""";

        Assert.Equal("tools[\"BinanceTicker\"]", Decide(policy, "BinanceTicker").Rule);
        Assert.Equal(DecisionKind.Allowed, Decide(policy, "BinanceTicker").Kind);
    }

    [Fact]
    public void Evaluate_PrefersLongerLiteralGlob()
    {
        const string policy = """{ "tools": { "Binance*": "allow", "BinanceWallet*": "require_approval" } }""";

        Assert.Equal(DecisionKind.ApprovalRequired, Decide(policy, "BinanceWalletWithdraw").Kind);
        Assert.Equal(DecisionKind.Allowed, Decide(policy, "BinanceTicker").Kind);
    }

    [Fact]
    public void Evaluate_LetsDenyWin_AtEqualSpecificity()
    {
        const string policy = """{ "tools": { "Binance*Order": "allow", "BinanceNewOr*": "deny" } }""";

        var decision = Decide(policy, "BinanceNewOrder");

        Assert.Equal(new PolicyDecision(DecisionKind.Denied, "tools[\"BinanceNewOr*\"]", "denied by tools[\"BinanceNewOr*\"]"), decision);
    }

    [Fact]
    public void Evaluate_LetsHideWinOverAnAllowRule()
    {
        var decision = Decide("""{ "hide": ["BinanceWallet*"], "tools": { "BinanceWalletWithdraw": "allow" } }""", "BinanceWalletWithdraw");

        Assert.Equal(DecisionKind.Hidden, decision.Kind);
    }

    [Fact]
    public void Evaluate_PrefersToolRuleOverRiskRule_AndRiskRuleOverDefault()
    {
        const string policy = """{ "default": "allow", "risk": { "high": "deny" }, "tools": { "Keep": "allow" } }""";

        Assert.Equal("tools[\"Keep\"]", Decide(policy, "Keep", RiskClass.High).Rule);
        Assert.Equal("risk.high", Decide(policy, "Other", RiskClass.High).Rule);
        Assert.Equal("default", Decide(policy, "Other", RiskClass.Medium).Rule);
    }

    [Fact]
    public void Evaluate_RequiresApprovalForCritical_WhenTheRiskSectionIsSilent()
    {
        var decision = Decide("""{ "default": "allow" }""", "BinanceWalletWithdraw", RiskClass.Critical);

        Assert.Equal(DecisionKind.ApprovalRequired, decision.Kind);
        Assert.Equal("risk.critical", decision.Rule);
        Assert.Equal(ApprovalSettings.Default, decision.Approval);
    }

    [Theory]
    [InlineData("""{ "default": "deny", "tools": { "BinanceTickerPrice": "allow" } }""", null, DecisionKind.Denied, "default")]
    [InlineData("""{ "default": "allow", "agents": { "bot": { "default": "deny" } } }""", "bot", DecisionKind.Denied, "agents.bot.default")]
    [InlineData("""{ "default": "deny", "agents": { "bot": { "default": "allow" } } }""", "bot", DecisionKind.ApprovalRequired, "risk.critical")]
    [InlineData("""{ "default": "deny", "risk": { "critical": "require_approval" } }""", null, DecisionKind.ApprovalRequired, "risk.critical")]
    public void Evaluate_LetsADenyingDefaultDecideCritical_WhenTheRiskSectionIsSilent(string policy, string? agent, DecisionKind kind, string rule)
    {
        // Before, an allowlist under "default": "deny" held every critical call (a withdrawal) for an approver instead of denying it.
        var decision = Decide(policy, "BinanceWalletWithdraw", RiskClass.Critical, agent);

        Assert.Equal((kind, rule), (decision.Kind, decision.Rule));
    }

    [Fact]
    public void Evaluate_AllowsCritical_WhenThePolicySaysSoExplicitly()
    {
        Assert.Equal(DecisionKind.Allowed, Decide("""{ "risk": { "critical": "allow" } }""", "X", RiskClass.Critical).Kind);
    }

    [Fact]
    public void Evaluate_CarriesTheApprovalBlock()
    {
        const string policy = """
        { "tools": { "W": { "action": "require_approval", "approval": {
            "timeout": 60, "approvers": ["U1", "alice"], "approvals": 2, "channels": ["web"], "grant_minutes": 15,
            "slack_channel": "#ops", "allow_self_approval": false } } } }
        """;

        var approval = Decide(policy, "W").Approval!;

        Assert.Equal(TimeSpan.FromSeconds(60), approval.Timeout);
        Assert.Equal(["U1", "alice"], approval.Approvers);
        Assert.Equal(2, approval.Approvals);
        Assert.Equal(["web"], approval.Channels);
        Assert.Equal(15, approval.GrantMinutes);
        Assert.Equal("#ops", approval.SlackChannel);
        Assert.False(approval.AllowSelfApproval);
    }

    [Theory]
    [InlineData("Bot1", "bot1")]
    [InlineData("bot1", "BOT1")]
    public void Evaluate_AppliesAnAgentSection_WhateverTheCaseOfTheAgentName(string section, string agent)
    {
        var policy = $$"""{ "default": "allow", "agents": { "{{section}}": { "tools": { "BinanceNewOrder": "deny" }, "hide": ["BinanceWallet*"] } } }""";

        Assert.Equal(new PolicyDecision(DecisionKind.Denied, $"agents.{section}.tools[\"BinanceNewOrder\"]", $"denied by agents.{section}.tools[\"BinanceNewOrder\"]"), Decide(policy, "BinanceNewOrder", agent: agent));
        Assert.True(Facts.Policy(policy).IsHidden("BinanceWalletWithdraw", agent));
    }

    [Fact]
    public void Evaluate_AppliesAgentGrant_OnlyToThatAgent()
    {
        const string policy = """{ "default": "deny", "agents": { "alice": { "tools": { "BinanceNewOrder": "allow" } } } }""";

        Assert.Equal(new PolicyDecision(DecisionKind.Allowed, "agents.alice.tools[\"BinanceNewOrder\"]"), Decide(policy, "BinanceNewOrder", agent: "alice"));
        Assert.Equal(DecisionKind.Denied, Decide(policy, "BinanceNewOrder", agent: "bob").Kind);
        Assert.Equal(DecisionKind.Denied, Decide(policy, "BinanceNewOrder").Kind);
    }

    [Fact]
    public void Evaluate_PrefersAgentToolRuleOverAMoreSpecificGlobalRule()
    {
        const string policy = """{ "tools": { "BinanceNewOrder": "deny" }, "agents": { "alice": { "tools": { "Binance*": "allow" } } } }""";

        Assert.Equal(DecisionKind.Allowed, Decide(policy, "BinanceNewOrder", agent: "alice").Kind);
    }

    [Fact]
    public void Evaluate_PrefersGlobalToolRuleOverAgentRiskRule()
    {
        const string policy = """{ "tools": { "W": "require_approval" }, "agents": { "alice": { "risk": { "high": "allow" } } } }""";

        Assert.Equal(DecisionKind.ApprovalRequired, Decide(policy, "W", RiskClass.High, "alice").Kind);
        Assert.Equal("agents.alice.risk.high", Decide(policy, "Other", RiskClass.High, "alice").Rule);
    }

    [Fact]
    public void Evaluate_UsesAgentDefault_BeforeTheGlobalDefault()
    {
        const string policy = """{ "default": "allow", "agents": { "research": { "default": "deny" } } }""";

        Assert.Equal("agents.research.default", Decide(policy, "X", RiskClass.Medium, "research").Rule);
    }

    [Fact]
    public void IsHidden_HidesAgentHideOnlyForThatAgent()
    {
        var policy = Facts.Policy("""{ "hide": ["Secret"], "agents": { "research": { "hide": ["BinanceWallet*"] } } }""");

        Assert.True(policy.IsHidden("BinanceWalletWithdraw", "research"));
        Assert.False(policy.IsHidden("BinanceWalletWithdraw", "alice"));
        Assert.True(policy.IsHidden("Secret", "alice"));
        Assert.True(policy.IsHidden("Secret", null));
    }

    [Fact]
    public void Evaluate_RequiresApproval_WhenNotionalConditionHolds()
    {
        const string policy = """
        { "tools": { "BinanceNewOrder": { "when": [
            { "if": "args.quantity * args.price > 1000", "action": "require_approval", "reason": "big order" } ] } } }
        """;

        var big = Decide(policy, "BinanceNewOrder", args: """{ "quantity": 2, "price": 600 }""");
        var small = Decide(policy, "BinanceNewOrder", args: """{ "quantity": "1", "price": "600" }""");

        Assert.Equal(new PolicyDecision(DecisionKind.ApprovalRequired, "tools[\"BinanceNewOrder\"].when[0]", "big order", Approval: ApprovalSettings.Default), big);
        Assert.Equal(DecisionKind.Allowed, small.Kind);
    }

    [Fact]
    public void Evaluate_DeniesSymbolsOutsideTheList()
    {
        const string policy = """{ "tools": { "BinanceNewOrder": { "when": [ { "if": "args.symbol not in ['BTCUSDT', 'ETHUSDT']", "action": "deny" } ] } } }""";

        var denied = Decide(policy, "BinanceNewOrder", args: """{ "symbol": "DOGEUSDT" }""");

        Assert.Equal(DecisionKind.Denied, denied.Kind);
        Assert.Contains("args.symbol not in", denied.Reason, StringComparison.Ordinal);
        Assert.Equal(DecisionKind.Allowed, Decide(policy, "BinanceNewOrder", args: """{ "symbol": "ETHUSDT" }""").Kind);
    }

    [Fact]
    public void Evaluate_FailsClosed_WhenAConditionCannotBeEvaluated()
    {
        const string policy = """{ "tools": { "O": { "when": [ { "if": "args.quantity * args.price > 1000", "action": "require_approval" } ] } } }""";

        Assert.Equal(DecisionKind.ApprovalRequired, Decide(policy, "O", args: """{ "quantity": 5 }""").Kind);
    }

    /// <summary>
    /// A market order has no price: held, rightly, but "order notional above 1000" would tell the approver and the
    /// agent something untrue about it.
    /// </summary>
    [Fact]
    public void Evaluate_SaysTheConditionCouldNotBeComputed_WhenItHoldsTheCallForLackOfAnArgument()
    {
        const string policy = """
        { "tools": { "O": { "when": [
            { "if": "args.quantity * args.price > 1000", "action": "require_approval", "reason": "order notional above 1000" } ] } } }
        """;

        var market = Decide(policy, "O", args: """{ "quantity": 5 }""");
        var large = Decide(policy, "O", args: """{ "quantity": 5, "price": 1000 }""");

        Assert.Equal((DecisionKind.ApprovalRequired, "tools[\"O\"].when[0]"), (market.Kind, market.Rule));
        Assert.Equal(
            "tools[\"O\"].when[0] could not be computed for these arguments (\"args.quantity * args.price > 1000\": a missing or non-numeric argument, say), so it counts as holding: order notional above 1000",
            market.Reason);
        Assert.Equal("order notional above 1000", large.Reason);
    }

    [Fact]
    public void Evaluate_TriesConditionsInOrder()
    {
        const string policy = """
        { "tools": { "O": { "action": "deny", "when": [
            { "if": "agent == 'alice'", "action": "allow" },
            { "if": "true", "action": "require_approval" } ] } } }
        """;

        Assert.Equal(DecisionKind.Allowed, Decide(policy, "O", agent: "alice").Kind);
        Assert.Equal(DecisionKind.ApprovalRequired, Decide(policy, "O", agent: "bob").Kind);
    }

    [Fact]
    public void Evaluate_RateLimitsAfterMax_WithRetryAfter()
    {
        var time = new FakeTimeProvider();
        var limiter = new RateLimiter(time);
        var policy = Facts.Policy("""{ "tools": { "O": { "rate_limit": { "max": 2, "window": 60 } } } }""");
        var call = Facts.Call("O");

        Assert.Equal(DecisionKind.Allowed, policy.Evaluate(call, limiter).Kind);
        time.Advance(TimeSpan.FromSeconds(48));
        Assert.Equal(DecisionKind.Allowed, policy.Evaluate(call, limiter).Kind);
        var limited = policy.Evaluate(call, limiter);

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "2 calls per 60 s exceeded", 12), limited);
    }

    [Fact]
    public void Evaluate_SaysOneCall_NotOneCalls_WhenTheLimitIsOne()
    {
        var limiter = new RateLimiter(new FakeTimeProvider());
        var policy = Facts.Policy("""{ "tools": { "O": { "rate_limit": { "max": 1, "window": 30 } } } }""");
        var call = Facts.Call("O");
        policy.Evaluate(call, limiter);

        // Before: "1 calls per 30 s exceeded", which the agent reads as "Rate limit: 1 calls per 30 s exceeded, ...".
        Assert.Equal("1 call per 30 s exceeded", policy.Evaluate(call, limiter).Reason);
    }

    [Fact]
    public void Evaluate_CountsPerSessionByDefault()
    {
        var policy = Facts.Policy("""{ "tools": { "O": { "rate_limit": { "max": 1, "window": 60 } } } }""");

        Assert.Equal(DecisionKind.Allowed, policy.Evaluate(Facts.Call("O", session: "a"), _limiter).Kind);
        Assert.Equal(DecisionKind.Allowed, policy.Evaluate(Facts.Call("O", session: "b"), _limiter).Kind);
        Assert.Equal(DecisionKind.RateLimited, policy.Evaluate(Facts.Call("O", session: "a"), _limiter).Kind);
    }

    [Theory]
    [InlineData("agent", "alice", "alice", DecisionKind.RateLimited)]
    [InlineData("agent", "alice", "bob", DecisionKind.Allowed)]
    [InlineData("global", "alice", "bob", DecisionKind.RateLimited)]
    public void Evaluate_CountsPerScope(string per, string first, string second, DecisionKind expected)
    {
        var policy = Facts.Policy($$"""{ "tools": { "O": { "rate_limit": { "max": 1, "window": 60, "per": "{{per}}" } } } }""");

        policy.Evaluate(Facts.Call("O", agent: first, session: "s1"), _limiter);

        Assert.Equal(expected, policy.Evaluate(Facts.Call("O", agent: second, session: "s2"), _limiter).Kind);
    }

    [Fact]
    public void Evaluate_DoesNotCountDeniedCalls()
    {
        var policy = Facts.Policy("""{ "tools": { "O": { "rate_limit": { "max": 1, "window": 60 }, "when": [ { "if": "args.x == 1", "action": "deny" } ] } } }""");

        policy.Evaluate(Facts.Call("O", args: """{ "x": 1 }"""), _limiter);

        Assert.Equal(DecisionKind.Allowed, policy.Evaluate(Facts.Call("O"), _limiter).Kind);
    }

    [Fact]
    public void Evaluate_KeepsCounters_AcrossAReload()
    {
        const string json = """{ "tools": { "O": { "rate_limit": { "max": 1, "window": 60 } } } }""";
        Facts.Policy(json).Evaluate(Facts.Call("O"), _limiter);

        var reloaded = Facts.Policy(json.Replace("}", "} ", StringComparison.Ordinal));

        Assert.Equal(DecisionKind.RateLimited, reloaded.Evaluate(Facts.Call("O"), _limiter).Kind);
    }

    [Fact]
    public void ClassifyOverride_ReplacesRiskAndKeepsCategory_WhenOnlyRiskIsGiven()
    {
        var policy = Facts.Policy("""{ "classify": { "Binance*": { "risk": "high" }, "BinanceTicker": { "risk": "critical", "reason": "we say so" } } }""");
        var original = new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "name verb");

        var exact = policy.ClassifyOverride("BinanceTicker", original);
        var glob = policy.ClassifyOverride("BinanceDepth", original);

        Assert.Equal(new ToolRisk(ToolCategory.ReadOnly, RiskClass.Critical, "we say so (policy classify[\"BinanceTicker\"])"), exact);
        Assert.Equal(RiskClass.High, glob.Risk);
        Assert.Same(original, policy.ClassifyOverride("Other", original));
    }

    [Fact]
    public void Preview_ReportsTheRuleWithoutCounting()
    {
        var policy = Facts.Policy("""{ "tools": { "O": { "rate_limit": { "max": 1, "window": 60 }, "when": [ { "if": "true", "action": "deny" } ] } } }""");

        var preview = policy.Preview("O", null, new ToolRisk(ToolCategory.Write, RiskClass.Medium, "x"));
        policy.Evaluate(Facts.Call("O"), _limiter);

        Assert.Equal((DecisionKind.Allowed, "tools[\"O\"]", true, new RateLimitDocument(1, 60)), (preview.Kind, preview.Rule, preview.HasConditions, preview.RateLimit));
        Assert.Equal([new PolicyPreviewCondition("true", DecisionKind.Denied)], preview.Conditions);
        Assert.Equal(0, _limiter.Count);
    }
}
