namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>A request the exchange refuses (unknown symbol or id, insufficient balance); tools turn it into an error result.</summary>
internal sealed class ExchangeException(string message) : Exception(message);
