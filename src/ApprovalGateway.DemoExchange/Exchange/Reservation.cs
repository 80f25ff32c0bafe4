namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>Funds an open order keeps locked, so a cancel gives back exactly what was taken.</summary>
internal sealed record Reservation(string Asset, decimal Amount);
