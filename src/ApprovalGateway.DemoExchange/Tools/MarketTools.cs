using System.ComponentModel;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange.Tools;

[McpServerToolType]
internal sealed class MarketTools(SimulatedExchange exchange)
{
    [McpServerTool(Name = "BinanceTickerPrice", Title = "Get latest price", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = true, UseStructuredContent = true)]
    [Description("Get the latest price of one trading pair, or of every pair when no symbol is given.")]
    public PriceList TickerPrice(
        [Description("Trading pair, e.g. BTCUSDT; omit for all pairs")] string? symbol = null) =>
        new(exchange.Prices(symbol));
}
