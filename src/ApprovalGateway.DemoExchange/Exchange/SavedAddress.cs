namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>A withdrawal address saved on the account, as the exchange's address book lists it.</summary>
internal sealed record SavedAddress(string Coin, string Network, string Address, string Name);
