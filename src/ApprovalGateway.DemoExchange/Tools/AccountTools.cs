using System.ComponentModel;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange.Tools;

[McpServerToolType]
internal sealed class AccountTools(SimulatedExchange exchange, TimeProvider time)
{
    [McpServerTool(Name = "BinanceGetAccount", Title = "Get account information", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Get the spot account's permissions and the free and locked balance of every asset.")]
    public AccountInfo GetAccount() =>
        new("SPOT", CanTrade: true, CanWithdraw: true, CanDeposit: true, time.GetUtcNow().ToUnixTimeMilliseconds(), exchange.Balances());
}
