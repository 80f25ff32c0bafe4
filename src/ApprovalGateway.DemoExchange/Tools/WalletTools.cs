using System.ComponentModel;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange.Tools;

[McpServerToolType]
internal sealed class WalletTools(SimulatedExchange exchange)
{
    [McpServerTool(Name = "BinanceWalletWithdraw", Title = "Withdraw to an address", ReadOnly = false, Destructive = true, Idempotent = false, OpenWorld = true, UseStructuredContent = true)]
    [Description("Send coins from the spot balance to an outside address. The whole amount is debited; the network fee is taken out of it.")]
    public Withdrawal Withdraw(
        [Description("Coin to send, e.g. USDT")] string coin,
        [Description("Destination address")] string address,
        [Description("Amount to send, fee included")] decimal amount,
        [Description("Network to send on, e.g. TRX, ETH, BSC; the coin's default network when omitted")] string? network = null,
        [Description("Your own id for the withdrawal")] string? withdrawOrderId = null) =>
        exchange.Withdraw(coin, address, amount, network, withdrawOrderId);

    [McpServerTool(Name = "BinanceWalletWithdrawHistory", Title = "Get withdrawal history", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List past withdrawals, newest first.")]
    public WithdrawalList WithdrawHistory(
        [Description("Only withdrawals of this coin")] string? coin = null,
        [Description("Only the withdrawal with this client id")] string? withdrawOrderId = null,
        [Description("Most records to return, 1000 when omitted")] int? limit = null) =>
        new(exchange.WithdrawHistory(coin, withdrawOrderId, limit));

    [McpServerTool(Name = "BinanceWalletFetchWithdrawAddressList", Title = "List saved withdrawal addresses", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the withdrawal addresses saved on the account.")]
    public AddressList FetchWithdrawAddressList() => new(exchange.WithdrawAddresses());
}
