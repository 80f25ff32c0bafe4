using System.Text.Json;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Parsing;
using ApprovalGateway.Policy.Risk;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Policy.Tests;

public sealed class ShippedPoliciesTests
{
    public static TheoryData<string> PolicyFiles()
    {
        var data = new TheoryData<string>();
        var root = RepositoryRoot.Combine("policies");
        foreach (var file in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Where(f => !f.EndsWith("policy.schema.json", StringComparison.Ordinal)))
        {
            data.Add(Path.GetRelativePath(RepositoryRoot.Path, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PolicyFiles))]
    public void ShippedPolicy_Parses(string relativePath)
    {
        var result = PolicyParser.ParseFile(RepositoryRoot.Combine(relativePath));

        Assert.True(result.IsValid, result.FormatErrors());
    }

    [Fact]
    public void ShippedPolicies_IncludeTheThreeDocumentedFiles()
    {
        Assert.Equal(
            ["policies/examples/binance-hide.json", "policies/examples/trading-desk.json", "policies/policy.json"],
            PolicyFiles().Cast<object[]>().Select(row => ((string)row[0]!).Replace('\\', '/')).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Schema_IsJson_AndNamesEveryTopLevelKeyTheParserAccepts()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("policies", "policy.schema.json")));

        var keys = schema.RootElement.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(DocumentReader.TopLevelKeys.Order(StringComparer.Ordinal), keys);
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Schema_GivesEditorsTheParsersLimits_ForTimeoutAndGrantMinutes()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("policies", "policy.schema.json")));
        var approval = schema.RootElement.GetProperty("$defs").GetProperty("approval").GetProperty("properties");

        Assert.Equal(ApprovalSettings.MaxTimeoutSeconds, approval.GetProperty("timeout").GetProperty("maximum").GetInt32());
        Assert.Equal(ApprovalSettings.MaxGrantMinutes, approval.GetProperty("grant_minutes").GetProperty("maximum").GetInt32());
    }

    [CatalogueFact]
    public void DefaultPolicy_AllowsReads_HoldsCriticalCalls_AndRateLimitsNewOrders()
    {
        var policy = PolicyParser.ParseFile(RepositoryRoot.Combine("policies", "policy.json")).Policy!;
        var limiter = new RateLimiter(new FakeTimeProvider());
        var catalogue = RiskClassifierTests.LoadCatalogue().ToDictionary(t => t.Name);
        PolicyDecision Decide(string tool, string args = "{}")
        {
            using var document = JsonDocument.Parse(args);
            return policy.Evaluate(new ToolCallFacts(tool, "exchange", null, "s", document.RootElement.Clone(), RiskClassifier.Classify(catalogue[tool])), limiter);
        }

        Assert.Equal(DecisionKind.Allowed, Decide("BinanceTickerPrice").Kind);
        Assert.Equal(DecisionKind.Allowed, Decide("BinanceWalletWithdrawHistory").Kind);
        Assert.Equal(DecisionKind.ApprovalRequired, Decide("BinanceSpotCancelOpenTWAPOrder").Kind);
        Assert.Equal(DecisionKind.ApprovalRequired, Decide("BinanceWalletWithdraw").Kind);
        Assert.Equal(DecisionKind.ApprovalRequired, Decide("BinanceWalletUserUniversalTransfer").Kind);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(DecisionKind.Allowed, Decide("BinanceNewOrder", """{ "quantity": 1, "price": 10 }""").Kind);
        }

        Assert.Equal(DecisionKind.RateLimited, Decide("BinanceNewOrder", """{ "quantity": 1, "price": 10 }""").Kind);
    }
}
