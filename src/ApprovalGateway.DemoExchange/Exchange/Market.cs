namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>A trading pair with the fixed price the simulation trades at.</summary>
internal sealed record Market(string Symbol, string BaseAsset, string QuoteAsset, decimal Price);
