using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Parsing;

namespace ApprovalGateway.Tests.Policy;

/// <summary>A misspelt tool rule applies to no call; under "default": "allow" its deny would let every call through.</summary>
public sealed class UnservedToolRulesTests
{
    private static readonly string[] Served = ["BinanceNewOrder", "BinanceGetAccount", "BinanceWalletWithdraw"];

    [Fact]
    public void Find_NamesTheRuleAndTheToolItProbablyMeant_WhenARuleNamesNoServedTool()
    {
        var document = Parse("""
            { "version": "1", "default": "allow", "hide": ["BinanceWallet*"],
              "tools": { "BinanceNewOrdr": "deny", "binanceGetAccount": "deny", "Binance*": "allow", "Other*": "deny" },
              "agents": { "bot": { "tools": { "BinanceNewOrder": "allow", "Zzz": "deny" } } } }
            """);

        var warnings = UnservedToolRules.Find(document, Served);

        Assert.Equal(
            [
                "tools[\"BinanceNewOrdr\"] matches no tool the upstreams serve now (did you mean BinanceNewOrder?), so it applies to no call",
                "tools[\"binanceGetAccount\"] matches no tool the upstreams serve now (did you mean BinanceGetAccount?), so it applies to no call",
                "tools[\"Other*\"] matches no tool the upstreams serve now, so it applies to no call",
                "agents.bot.tools[\"Zzz\"] matches no tool the upstreams serve now, so it applies to no call",
            ],
            warnings);
    }

    [Fact]
    public void Find_NamesARiskOverride_ThatMatchesNoServedTool()
    {
        // Before, taken in silence: the tool meant to be critical kept its automatic class and went unheld.
        var document = Parse("""
            { "version": "1", "default": "allow",
              "classify": { "BinanceWalletWithdrw": { "risk": "critical" }, "BinanceNew*": { "risk": "high" } } }
            """);

        Assert.Equal(
            ["classify[\"BinanceWalletWithdrw\"] matches no tool the upstreams serve now (did you mean BinanceWalletWithdraw?), so it applies to no call"],
            UnservedToolRules.Find(document, Served));
    }

    [Fact]
    public void Find_SaysNothing_BeforeAnyUpstreamListedItsTools()
    {
        var document = Parse("""{ "version": "1", "default": "allow", "tools": { "BinanceNewOrdr": "deny" } }""");

        Assert.Empty(UnservedToolRules.Find(document, []));
    }

    private static ApprovalGateway.Policy.Model.PolicyDocument Parse(string json)
    {
        var result = PolicyParser.Parse(json, "policy.json");
        Assert.True(result.IsValid, result.FormatErrors());
        return result.Document;
    }
}
