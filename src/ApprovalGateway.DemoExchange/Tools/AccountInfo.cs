using ApprovalGateway.DemoExchange.Exchange;

namespace ApprovalGateway.DemoExchange.Tools;

internal sealed record AccountInfo(string AccountType, bool CanTrade, bool CanWithdraw, bool CanDeposit, long UpdateTime, IReadOnlyList<AssetBalance> Balances);
