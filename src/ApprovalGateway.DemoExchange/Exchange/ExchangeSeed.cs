namespace ApprovalGateway.DemoExchange.Exchange;

internal static class ExchangeSeed
{
    /// <summary>
    /// A funded account with two resting limit orders and TWAP orders 123 and 124 open, placed through the same
    /// paths an agent uses, so the locked balances match the orders.
    /// </summary>
    public static SimulatedExchange Seed(this SimulatedExchange exchange)
    {
        exchange.Deposit("USDT", 25_000m);
        exchange.Deposit("BTC", 0.5m);
        exchange.Deposit("ETH", 4m);
        exchange.Deposit("BNB", 10m);
        exchange.PlaceOrder("BTCUSDT", "BUY", "LIMIT", 0.01m, 60_000m, "GTC", clientOrderId: null);
        exchange.PlaceOrder("ETHUSDT", "SELL", "LIMIT", 0.5m, 3_500m, "GTC", clientOrderId: null);
        exchange.PlaceTwap("BTCUSDT", "BUY", 0.05m, 3_600, limitPrice: null, clientAlgoId: null);
        exchange.PlaceTwap("ETHUSDT", "SELL", 1m, 7_200, limitPrice: null, clientAlgoId: null);
        return exchange;
    }
}
