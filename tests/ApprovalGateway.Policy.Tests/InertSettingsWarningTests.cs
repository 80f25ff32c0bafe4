using ApprovalGateway.Policy.Parsing;

namespace ApprovalGateway.Policy.Tests;

/// <summary>
/// Settings a rule's actions can never use are accepted, since the policy means the same without them, but named:
/// before, a rate limit on a deny rule or approvers on an allow rule were taken in silence.
/// </summary>
public sealed class InertSettingsWarningTests
{
    private static IReadOnlyList<PolicyError> Warnings(string json)
    {
        var result = PolicyParser.Parse(json, "policy.json");
        Assert.True(result.IsValid, result.FormatErrors());
        return result.Warnings;
    }

    [Fact]
    public void Parse_WarnsOfARateLimit_WhenEveryCallTheRuleMatchesIsDenied()
    {
        var warning = Assert.Single(Warnings("""
            {
              "tools": { "BinanceNewOrder": { "action": "deny",
                "rate_limit": { "max": 2, "window": 60 } } }
            }
            """));

        Assert.Equal(
            "policy.json:3: tools[\"BinanceNewOrder\"].rate_limit never counts a call: every call this rule matches is denied, and denied calls are not counted",
            warning.Format("policy.json"));
    }

    [Fact]
    public void Parse_WarnsOfApprovalSettings_WhenTheRuleNeverHoldsACall()
    {
        var warnings = Warnings("""
            { "agents": { "bot": { "risk": { "high": { "action": "allow", "when": [ { "if": "args.qty > 5", "action": "deny" } ],
                "approval": { "approvers": ["alice"] } } } } } }
            """);

        Assert.Equal(
            ["agents.bot.risk.high.approval never applies: neither its action nor any of its conditions' is require_approval, so this rule holds no call for approval"],
            warnings.Select(w => w.Message));
    }

    [Fact]
    public void Parse_WarnsOfAReason_WhenTheRuleOnlyAllows()
    {
        var warning = Assert.Single(Warnings("""{ "tools": { "Ticker": { "reason": "read-only" } } }"""));

        Assert.Equal("tools[\"Ticker\"].reason is never shown: it goes with a denial or an approval request, and this rule only allows", warning.Message);
    }

    [Fact]
    public void Parse_WarnsOfAToolRule_WhenAHideCoversEveryToolItMatches()
    {
        // Before, taken in silence: the admin who allowed BinanceGetAccount saw it vanish from tools/list.
        var warnings = Warnings("""
            {
              "hide": ["BinanceGet*"],
              "tools": {
                "BinanceGetAccount": "allow",
                "BinanceGet*Orders": "deny",
                "Binance*": "allow"
              },
              "agents": { "bot": { "hide": ["BinanceNewOrder"], "tools": { "BinanceNewOrder": "allow", "BinanceGetOrder": "allow" } } }
            }
            """);

        Assert.Equal(
            [
                "policy.json:4: tools[\"BinanceGetAccount\"] never applies: hide[\"BinanceGet*\"] hides every tool it matches, and hide always wins",
                "policy.json:5: tools[\"BinanceGet*Orders\"] never applies: hide[\"BinanceGet*\"] hides every tool it matches, and hide always wins",
                "policy.json:8: agents.bot.tools[\"BinanceNewOrder\"] never applies: agents.bot.hide[\"BinanceNewOrder\"] hides every tool it matches, and hide always wins",
                "policy.json:8: agents.bot.tools[\"BinanceGetOrder\"] never applies: hide[\"BinanceGet*\"] hides every tool it matches, and hide always wins",
            ],
            warnings.Select(w => w.Format("policy.json")));
    }

    [Theory]
    [InlineData("""{ "hide": ["BinanceGet*"], "tools": { "Binance*": "deny" } }""")]
    [InlineData("""{ "hide": ["Get?"], "tools": { "Get*": "deny" } }""")]
    [InlineData("""{ "agents": { "bot": { "hide": ["X"] } }, "tools": { "X": "deny" } }""")]
    public void Parse_WarnsOfNoHiddenRule_WhenSomeToolItMatchesIsNotHiddenFromEveryone(string json) =>
        Assert.Empty(Warnings(json));

    [Theory]
    [InlineData("""{ "tools": { "X": { "action": "deny", "rate_limit": { "max": 1, "window": 60 }, "when": [ { "if": "args.a > 1", "action": "allow" } ] } } }""")]
    [InlineData("""{ "tools": { "X": { "action": "allow", "reason": "big orders", "approval": { "timeout": 60 }, "when": [ { "if": "args.a > 1", "action": "require_approval" } ] } } }""")]
    [InlineData("""{ "tools": { "X": { "action": "require_approval", "reason": "writes", "rate_limit": { "max": 1, "window": 60 }, "approval": { "timeout": 60 } } } }""")]
    [InlineData("""{ "tools": { "X": { "action": "deny", "reason": "never" } } }""")]
    public void Parse_WarnsOfNothing_WhenSomeActionOfTheRuleUsesEachSetting(string json) =>
        Assert.Empty(Warnings(json));
}
