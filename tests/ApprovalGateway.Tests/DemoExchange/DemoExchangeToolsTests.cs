using System.Text.Json;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.DemoExchange;

public sealed class DemoExchangeToolsTests : IDisposable
{
    // A guard against a hung child process, not a timing assertion.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    public static TheoryData<string> Transports => [DemoExchangeSession.Stdio, DemoExchangeSession.Http];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task ListTools_MarksCancelTwapOrderDestructive_OnEachTransport(string transport)
    {
        await using var session = await DemoExchangeSession.StartAsync(transport, _timeout.Token);

        var tools = await session.Client.ListToolsAsync(cancellationToken: _timeout.Token);

        var cancelTwap = Assert.Single(tools, t => t.Name == "BinanceSpotCancelOpenTWAPOrder").ProtocolTool;
        Assert.True(cancelTwap.Annotations?.DestructiveHint);
        Assert.False(cancelTwap.Annotations?.ReadOnlyHint);
        Assert.Equal("integer", cancelTwap.InputSchema.GetProperty("properties").GetProperty("algoId").GetProperty("type").GetString());
        var ticker = Assert.Single(tools, t => t.Name == "BinanceTickerPrice").ProtocolTool;
        Assert.True(ticker.Annotations?.ReadOnlyHint);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CancelOpenTwapOrder_RemovesOrderFromOpenList_WhenOrderIsOpen(string transport)
    {
        await using var session = await DemoExchangeSession.StartAsync(transport, _timeout.Token);
        Assert.Equal(new long[] { 123, 124 }, await OpenAlgoIdsAsync(session));

        await session.CallSuccessfullyAsync("BinanceSpotCancelOpenTWAPOrder", new() { ["algoId"] = 123 }, _timeout.Token);

        Assert.Equal(new long[] { 124 }, await OpenAlgoIdsAsync(session));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task CancelOpenTwapOrder_ReturnsToolError_WhenAlgoIdIsUnknown(string transport)
    {
        await using var session = await DemoExchangeSession.StartAsync(transport, _timeout.Token);

        var result = await session.CallAsync("BinanceSpotCancelOpenTWAPOrder", new() { ["algoId"] = 999 }, _timeout.Token);

        Assert.True(result.IsError);
        Assert.Contains("999", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        Assert.Equal(new long[] { 123, 124 }, await OpenAlgoIdsAsync(session));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Withdraw_DebitsBalanceAndAppearsInHistory_WhenFundsSuffice(string transport)
    {
        await using var session = await DemoExchangeSession.StartAsync(transport, _timeout.Token);
        var before = await FreeBalanceAsync(session, "USDT");

        var withdrawal = await session.CallSuccessfullyAsync(
            "BinanceWalletWithdraw",
            new() { ["coin"] = "USDT", ["address"] = "TDemoAddress", ["amount"] = 100, ["network"] = "TRX" },
            _timeout.Token);

        Assert.Equal(before - 100m, await FreeBalanceAsync(session, "USDT"));
        var history = await session.CallSuccessfullyAsync("BinanceWalletWithdrawHistory", new() { ["coin"] = "USDT" }, _timeout.Token);
        var listed = Assert.Single(history.GetProperty("withdrawals").EnumerateArray());
        Assert.Equal(withdrawal.GetProperty("id").GetString(), listed.GetProperty("id").GetString());
        Assert.Equal("TDemoAddress", listed.GetProperty("address").GetString());
    }

    [Fact]
    public async Task ShippedPolicy_NamesOnlyToolsTheDemoServes_SoAFirstRunShowsNoPolicyWarning()
    {
        await using var session = await DemoExchangeSession.StartAsync(DemoExchangeSession.Stdio, _timeout.Token);
        var served = (await session.Client.ListToolsAsync(cancellationToken: _timeout.Token)).Select(t => t.Name).ToList();
        var shipped = ApprovalGateway.Policy.Parsing.PolicyParser.Parse(
            await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "policies", "policy.json"), _timeout.Token), "policy.json");

        Assert.True(shipped.IsValid, shipped.FormatErrors());
        Assert.Empty(ApprovalGateway.Policy.UnservedToolRules.Find(shipped.Document!, served));
    }

    [Fact]
    public async Task FetchWithdrawAddressList_ListsTheSavedAddresses()
    {
        await using var session = await DemoExchangeSession.StartAsync(DemoExchangeSession.Stdio, _timeout.Token);

        var book = await session.CallSuccessfullyAsync("BinanceWalletFetchWithdrawAddressList", new(), _timeout.Token);

        var addresses = book.GetProperty("addresses").EnumerateArray().ToList();
        Assert.Equal(2, addresses.Count);
        Assert.Contains(addresses, a => a.GetProperty("coin").GetString() == "USDT" && a.GetProperty("network").GetString() == "TRX");
    }

    [Fact]
    public async Task Withdraw_ReturnsToolErrorAndKeepsBalance_WhenBalanceIsInsufficient()
    {
        await using var session = await DemoExchangeSession.StartAsync(DemoExchangeSession.Http, _timeout.Token);
        var before = await FreeBalanceAsync(session, "BTC");

        var result = await session.CallAsync(
            "BinanceWalletWithdraw", new() { ["coin"] = "BTC", ["address"] = "bc1demo", ["amount"] = 50 }, _timeout.Token);

        Assert.True(result.IsError);
        Assert.Contains("Insufficient balance", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        Assert.Equal(before, await FreeBalanceAsync(session, "BTC"));
    }

    [Fact]
    public async Task TickerPrice_ReturnsToolError_WhenSymbolIsUnknown()
    {
        await using var session = await DemoExchangeSession.StartAsync(DemoExchangeSession.Http, _timeout.Token);

        var result = await session.CallAsync("BinanceTickerPrice", new() { ["symbol"] = "DOGEUSDT" }, _timeout.Token);

        Assert.True(result.IsError);
        Assert.Contains("Unknown symbol 'DOGEUSDT'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewOrder_ReturnsToolErrorNamingTheArgument_WhenQuantityIsMissing()
    {
        await using var session = await DemoExchangeSession.StartAsync(DemoExchangeSession.Http, _timeout.Token);

        var result = await session.CallAsync(
            "BinanceNewOrder", new() { ["symbol"] = "BTCUSDT", ["side"] = "BUY", ["type"] = "MARKET" }, _timeout.Token);

        Assert.True(result.IsError);
        Assert.Contains("'quantity'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    public void Dispose() => _timeout.Dispose();

    private async Task<long[]> OpenAlgoIdsAsync(DemoExchangeSession session)
    {
        var open = await session.CallSuccessfullyAsync("BinanceSpotCurrentAlgoOpenOrders", [], _timeout.Token);
        return [.. open.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("algoId").GetInt64())];
    }

    private async Task<decimal> FreeBalanceAsync(DemoExchangeSession session, string asset)
    {
        var account = await session.CallSuccessfullyAsync("BinanceGetAccount", [], _timeout.Token);
        return account.GetProperty("balances").EnumerateArray()
            .Single(b => b.GetProperty("asset").GetString() == asset)
            .GetProperty("free").GetDecimal();
    }
}
