using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record OrderList(IReadOnlyList<SpotOrder> Orders);
