using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange.Tools;

[McpServerToolType]
internal sealed class AlgoOrderTools(SimulatedExchange exchange)
{
    [McpServerTool(Name = "BinanceSpotCurrentAlgoOpenOrders", Title = "List open TWAP orders", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the spot TWAP (time-weighted average price) orders that are still working.")]
    public TwapOrderList CurrentAlgoOpenOrders()
    {
        var orders = exchange.OpenTwapOrders();
        return new(orders.Count, orders);
    }

    [McpServerTool(Name = "BinanceSpotTimeWeightedAveragePriceNewOrder", Title = "Place a TWAP order", ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Place a spot TWAP order that would trade the quantity evenly over the duration. It locks the funds it needs until cancelled.")]
    public TwapOrder NewTwapOrder(
        [Description("Trading pair, e.g. BTCUSDT")] string symbol,
        [Description("BUY or SELL"), AllowedValues("BUY", "SELL")] string side,
        [Description("Amount of the base asset to trade")] decimal quantity,
        [Description("Seconds to spread the order over, from 300 to 86400"), Range(300, 86_400)] long duration,
        [Description("Worst price to accept; the latest price when omitted")] decimal? limitPrice = null,
        [Description("Your own id for the algo order")] string? clientAlgoId = null) =>
        exchange.PlaceTwap(symbol, side, quantity, duration, limitPrice, clientAlgoId);

    [McpServerTool(Name = "BinanceSpotCancelOpenTWAPOrder", Title = "Cancel a TWAP order", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Cancel an open spot TWAP order and release the funds it locked.")]
    public TwapCancellation CancelOpenTwapOrder(
        [Description("Algo order id, e.g. 123")] long algoId)
    {
        var cancelled = exchange.CancelTwap(algoId);
        return new(cancelled.AlgoId, Success: true, Code: 0, Msg: "OK");
    }
}
