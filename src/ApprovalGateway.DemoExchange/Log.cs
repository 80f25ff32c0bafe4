using Microsoft.Extensions.Logging;

namespace ApprovalGateway.DemoExchange;

internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Demo exchange serving MCP over {Transport}")]
    public static partial void Serving(this ILogger logger, string transport);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Order {OrderId} placed: {Side} {Quantity} {Symbol} {Type}, status {Status}")]
    public static partial void OrderPlaced(this ILogger logger, long orderId, string side, decimal quantity, string symbol, string type, string status);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Order {OrderId} on {Symbol} cancelled")]
    public static partial void OrderCancelled(this ILogger logger, long orderId, string symbol);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "TWAP order {AlgoId} placed: {Side} {Quantity} {Symbol} over {Duration} s")]
    public static partial void TwapPlaced(this ILogger logger, long algoId, string side, decimal quantity, string symbol, long duration);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Information, Message = "TWAP order {AlgoId} cancelled")]
    public static partial void TwapCancelled(this ILogger logger, long algoId);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Withdrawal {Id}: {Amount} {Coin} to {Address} on {Network}")]
    public static partial void Withdrawn(this ILogger logger, string id, decimal amount, string coin, string address, string network);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Information, Message = "Request refused: {Reason}")]
    public static partial void Refused(this ILogger logger, string reason);
}
