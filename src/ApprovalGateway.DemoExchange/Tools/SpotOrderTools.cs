using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange.Tools;

[McpServerToolType]
internal sealed class SpotOrderTools(SimulatedExchange exchange)
{
    [McpServerTool(Name = "BinanceGetOpenOrders", Title = "List open orders", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the open spot orders of one trading pair, or of all pairs when no symbol is given.")]
    public OrderList GetOpenOrders(
        [Description("Trading pair, e.g. BTCUSDT; omit for all pairs")] string? symbol = null) =>
        new(exchange.OpenOrders(symbol));

    [McpServerTool(Name = "BinanceGetOrder", Title = "Query an order", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Get the status of one spot order, open, filled or cancelled.")]
    public SpotOrder GetOrder(
        [Description("Trading pair of the order, e.g. BTCUSDT")] string symbol,
        [Description("Id of the order to look up")] string orderId) =>
        exchange.GetOrder(symbol, orderId);

    [McpServerTool(Name = "BinanceNewOrder", Title = "Place a spot order", ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Place a spot order. A MARKET order fills at once at the latest price and moves funds; a LIMIT order locks the funds it needs and rests until cancelled.")]
    public SpotOrder NewOrder(
        [Description("Trading pair, e.g. BTCUSDT")] string symbol,
        [Description("BUY or SELL"), AllowedValues("BUY", "SELL")] string side,
        [Description("Order type: LIMIT or MARKET"), AllowedValues("LIMIT", "MARKET")] string type,
        [Description("Amount of the base asset to buy or sell")] decimal quantity,
        [Description("Limit price in the quote asset; required for LIMIT")] decimal? price = null,
        [Description("Time in force for LIMIT orders; GTC when omitted"), AllowedValues("GTC", "IOC", "FOK")] string? timeInForce = null,
        [Description("Your own id for the order")] string? newClientOrderId = null) =>
        exchange.PlaceOrder(symbol, side, type, quantity, price, timeInForce, newClientOrderId);

    [McpServerTool(Name = "BinanceDeleteOrder", Title = "Cancel an order", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Cancel one open spot order and release the funds it locked.")]
    public SpotOrder DeleteOrder(
        [Description("Trading pair of the order, e.g. BTCUSDT")] string symbol,
        [Description("Id of the order to cancel")] string orderId) =>
        exchange.CancelOrder(symbol, orderId);

    [McpServerTool(Name = "BinanceDeleteOpenOrders", Title = "Cancel all open orders on a pair", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Cancel every open spot order of one trading pair and release the funds they locked.")]
    public OrderList DeleteOpenOrders(
        [Description("Trading pair, e.g. BTCUSDT")] string symbol) =>
        new(exchange.CancelOpenOrders(symbol));
}
