using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record PriceList(IReadOnlyList<TickerPrice> Prices);
