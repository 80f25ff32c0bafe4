using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record TwapOrderList(int Total, IReadOnlyList<TwapOrder> Orders);
