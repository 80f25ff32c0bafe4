namespace ApprovalGateway.DemoExchange.Tools;

/// <summary>The acknowledgement Binance sends for a cancelled algo order.</summary>
internal sealed record TwapCancellation(long AlgoId, bool Success, int Code, string Msg);
