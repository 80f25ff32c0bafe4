using ApprovalGateway.DemoExchange.Exchange;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.DemoExchange;

public sealed class SimulatedExchangeTests
{
    private readonly SimulatedExchange _exchange = new SimulatedExchange(new FakeTimeProvider(), NullLogger<SimulatedExchange>.Instance).Seed();

    [Fact]
    public void PlaceOrder_MovesQuoteIntoBase_WhenMarketBuyFills()
    {
        var usdt = Free("USDT");
        var btc = Free("BTC");

        var order = _exchange.PlaceOrder("BTCUSDT", "BUY", "MARKET", 0.1m, price: null, timeInForce: null, clientOrderId: null);

        Assert.Equal("FILLED", order.Status);
        Assert.Equal(usdt - 6_500m, Free("USDT"));
        Assert.Equal(btc + 0.1m, Free("BTC"));
    }

    [Fact]
    public void CancelOrder_ReleasesLockedFunds_WhenLimitOrderIsOpen()
    {
        var usdt = Balance("USDT");
        var order = _exchange.PlaceOrder("BTCUSDT", "BUY", "LIMIT", 0.1m, 50_000m, timeInForce: null, clientOrderId: null);
        Assert.Equal(usdt.Free - 5_000m, Free("USDT"));

        _exchange.CancelOrder("BTCUSDT", order.OrderId.ToString(CultureInfo.InvariantCulture));

        Assert.Equal(usdt, Balance("USDT"));
        Assert.DoesNotContain(_exchange.OpenOrders("BTCUSDT"), o => o.OrderId == order.OrderId);
        Assert.Equal("CANCELED", _exchange.GetOrder("BTCUSDT", order.OrderId.ToString(CultureInfo.InvariantCulture)).Status);
    }

    [Fact]
    public void CancelTwap_ReleasesLockedFunds_WhenOrderIsOpen()
    {
        var eth = Balance("ETH");

        _exchange.CancelTwap(124);

        Assert.Equal(new AssetBalance("ETH", eth.Free + 1m, eth.Locked - 1m), Balance("ETH"));
        Assert.Throws<ExchangeException>(() => _exchange.CancelTwap(124));
    }

    [Fact]
    public void Withdraw_Refuses_WhenOnlyLockedFundsWouldCoverIt()
    {
        var eth = Balance("ETH");

        var refused = Assert.Throws<ExchangeException>(() => _exchange.Withdraw("ETH", "0xdemo", eth.Free + 0.1m, network: null, withdrawOrderId: null));

        Assert.StartsWith("Insufficient balance", refused.Message, StringComparison.Ordinal);
        Assert.Equal(eth, Balance("ETH"));
        Assert.Empty(_exchange.WithdrawHistory(coin: null, withdrawOrderId: null, limit: null));
    }

    [Fact]
    public void Withdraw_Refuses_WhenNetworkDoesNotCarryTheCoin()
    {
        var refused = Assert.Throws<ExchangeException>(() => _exchange.Withdraw("BTC", "bc1demo", 0.1m, "TRX", withdrawOrderId: null));

        Assert.Contains("use one of BTC", refused.Message, StringComparison.Ordinal);
    }

    private AssetBalance Balance(string asset) => _exchange.Balances().Single(b => b.Asset == asset);

    private decimal Free(string asset) => Balance(asset).Free;
}
