using System.Text.Json;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Tests;

public sealed class RiskClassifierTests
{
    /// <summary>Every tool of the Binance catalogue that changes state (orders, funds, settings, streams), judged by hand.</summary>
    private static readonly string[] StateChanging =
    [
        "BinanceDeleteOrder", "BinanceNewOrder", "BinanceDeleteOpenOrders", "BinanceOrderOco", "BinanceNewUserDataStream",
        "BinanceDeleteUserDataStream", "BinancePutUserDataStream", "BinanceVolumeParticipationNewTrade",
        "BinanceTimeWeightedAveragePriceNewOrder", "BinanceFutureCancelAlgoOrder", "BinanceSpotTimeWeightedAveragePriceNewOrder",
        "BinanceSpotCancelOpenTWAPOrder", "BinanceSubscribeFlexibleProduct", "BinanceRedeemFlexibleProduct", "BinanceConvertAcceptQuote",
        "BinanceConvertCancelLimitOrder", "BinanceConvertPlaceLimitOrder", "BinanceWalletEnableFastWithdrawSwitch",
        "BinanceWalletDisableFastWithdrawSwitch", "BinanceWalletBrokerWithdraw", "BinanceWalletSubmitDepositQuestionnaire",
        "BinanceWalletWithdrawTravelRule", "BinanceWalletSubmitDepositQuestionnaireTravelRule", "BinanceWalletUserUniversalTransfer",
        "BinanceWalletDustTransfer", "BinanceWalletToggleBnbBurnOnSpotTradeAndMarginInterest", "BinanceWalletWithdraw",
        "BinanceWalletOneClickArrivalDepositApply", "BinanceSubscribeDualInvestmentProducts", "registerBinanceChangeAutoCompoundStatus",
        "BinanceCancelHashRateResaleConfiguration", "BinanceHashRateResaleRequest", "BinanceVipLoanRenew", "BinanceVipLoanRepay",
        "BinanceVipLoanBorrow", "BinanceRedeemEth", "BinanceSubscribeEthStaking", "BinanceWrapBeth", "BinanceClaimBoostRewards",
        "registerBinanceRedeemSol", "BinanceSubscribeSolStaking",
    ];

    [CatalogueFact]
    public void Classify_NeverCallsAStateChangingToolReadOnlyOrLow_OnTheBinanceCatalogue()
    {
        var tools = LoadCatalogue();
        Assert.Equal(156, tools.Count);
        Assert.All(StateChanging, name => Assert.Contains(tools, t => t.Name == name));

        var wrong = tools
            .Where(t => StateChanging.Contains(t.Name))
            .Select(t => (t.Name, Risk: RiskClassifier.Classify(t)))
            .Where(r => r.Risk.Category == ToolCategory.ReadOnly || r.Risk.Risk == RiskClass.Low)
            .Select(r => $"{r.Name}: {r.Risk}")
            .ToList();

        Assert.Empty(wrong);
    }

    [CatalogueFact]
    public void Classify_CallsQueriesReadOnlyLow_OnTheBinanceCatalogue()
    {
        var reads = LoadCatalogue().Where(t => !StateChanging.Contains(t.Name) && t.Name != "BinanceConvertSendQuoteRequest").ToList();

        var wrong = reads.Select(t => (t.Name, Risk: RiskClassifier.Classify(t)))
            .Where(r => r.Risk.Category != ToolCategory.ReadOnly)
            .Select(r => $"{r.Name}: {r.Risk}")
            .ToList();

        Assert.Empty(wrong);
    }

    [CatalogueFact]
    public void Classify_MakesCancellingATwapOrderDestructiveAndCritical()
    {
        var tool = LoadCatalogue().Single(t => t.Name == "BinanceSpotCancelOpenTWAPOrder");

        var risk = RiskClassifier.Classify(tool);

        Assert.Equal(ToolCategory.Destructive, risk.Category);
        Assert.Equal(RiskClass.Critical, risk.Risk);
        Assert.Contains("cancel", risk.Reason, StringComparison.Ordinal);
    }

    [CatalogueTheory]
    [InlineData("BinanceWalletWithdraw")]
    [InlineData("BinanceWalletUserUniversalTransfer")]
    [InlineData("BinanceVipLoanBorrow")]
    public void Classify_MakesMoneyLeavingTheAccountFinancialAndCritical(string name)
    {
        var risk = RiskClassifier.Classify(LoadCatalogue().Single(t => t.Name == name));

        Assert.Equal(ToolCategory.Financial, risk.Category);
        Assert.Equal(RiskClass.Critical, risk.Risk);
    }

    [Fact]
    public void Classify_TrustsReadOnlyHint_WhenAnnotated()
    {
        var risk = RiskClassifier.Classify(new ToolDescriptor("delete_cache_entry_preview", "up", "Delete preview", ReadOnlyHint: true));

        Assert.Equal(new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "annotated readOnlyHint: true"), risk);
    }

    [Fact]
    public void Classify_TreatsNonReadOnlyToolAsDestructive_WhenDestructiveHintIsAbsent()
    {
        var risk = RiskClassifier.Classify(new ToolDescriptor("get_things", "up", "Get things", ReadOnlyHint: false));

        Assert.Equal(ToolCategory.Destructive, risk.Category);
    }

    [Fact]
    public void Classify_MakesNonDestructiveWriteMedium_WhenAnnotatedSo()
    {
        var risk = RiskClassifier.Classify(new ToolDescriptor("rename_file", "up", "Rename a file", ReadOnlyHint: false, DestructiveHint: false));

        Assert.Equal(ToolCategory.Write, risk.Category);
        Assert.Equal(RiskClass.Medium, risk.Risk);
    }

    [Fact]
    public void Classify_AssumesAWrite_WhenThereIsNoEvidence()
    {
        var risk = RiskClassifier.Classify(new ToolDescriptor("frobnicate", "up", null));

        Assert.Equal(ToolCategory.Write, risk.Category);
        Assert.Equal(RiskClass.Medium, risk.Risk);
    }

    internal static List<ToolDescriptor> LoadCatalogue()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(CatalogueFactAttribute.FixturePath));
        return [.. document.RootElement.GetProperty("tools").EnumerateArray().Select(t => new ToolDescriptor(
            t.GetProperty("name").GetString()!,
            "binance",
            t.TryGetProperty("description", out var d) ? d.GetString() : null,
            InputSchema: t.GetProperty("inputSchema").Clone()))];
    }
}
