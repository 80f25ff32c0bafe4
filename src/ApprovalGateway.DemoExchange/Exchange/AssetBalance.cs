namespace ApprovalGateway.DemoExchange.Exchange;

internal sealed record AssetBalance(string Asset, decimal Free, decimal Locked);
