namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>A network a coin can leave by, and the flat fee taken out of the withdrawn amount.</summary>
internal sealed record WithdrawNetwork(string Coin, string Network, decimal Fee, bool IsDefault);
