using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record AddressList(IReadOnlyList<SavedAddress> Addresses);
