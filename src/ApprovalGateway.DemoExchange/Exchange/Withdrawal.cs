namespace ApprovalGateway.DemoExchange.Exchange;

/// <summary>A withdrawal as the history reports it; <see cref="Status"/> 6 means completed, as on Binance.</summary>
internal sealed record Withdrawal(
    string Id,
    decimal Amount,
    decimal TransactionFee,
    string Coin,
    int Status,
    string Address,
    string TxId,
    string ApplyTime,
    string Network,
    string? WithdrawOrderId);
