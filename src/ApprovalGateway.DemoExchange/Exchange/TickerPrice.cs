namespace ApprovalGateway.DemoExchange.Exchange;

internal sealed record TickerPrice(string Symbol, decimal Price);
