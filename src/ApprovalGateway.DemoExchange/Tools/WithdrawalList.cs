using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record WithdrawalList(IReadOnlyList<Withdrawal> Withdrawals);
