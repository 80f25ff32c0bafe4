using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Tests.Web;

/// <summary>Realistic calls for the page to show: a live order with an API key in its arguments, and friends.</summary>
internal static class ApprovalSamples
{
    public const string ApiKey = "sk-live-7f3a9c1e55d0b2";

    public static ApprovalRequest PlaceOrder(string agent = "trader-bot") => new(
        agent,
        AgentOwner: "olivia",
        SessionId: "sess-4c1d",
        Upstream: "exchange",
        Tool: "exchange_place_order",
        FrozenArguments: new JsonObject
        {
            ["symbol"] = "BTCUSDT",
            ["side"] = "BUY",
            ["type"] = "LIMIT",
            ["quantity"] = 0.5,
            ["price"] = 64250.5,
            ["apiKey"] = ApiKey,
            ["clientOrderId"] = "rebalance-2026-07-03-001",
            ["note"] = "Rebalance towards the target allocation after the weekly review. " + string.Concat(Enumerable.Repeat("The desk agreed to move in small steps and to stop if the spread widens beyond ten basis points. ", 4)),
        },
        ArgumentsSha256: "9b1c0e6f3a4d2b8e7c5a1f0d9e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a",
        Risk: new ToolRisk(ToolCategory.Financial, RiskClass.Critical, "Moves money: places a live order on the exchange"),
        Rule: "orders-need-a-human",
        Settings: ApprovalSettings.Default with { GrantMinutes = 30 });

    public static ApprovalRequest CancelOrder() => PlaceOrder() with
    {
        Tool = "exchange_cancel_order",
        FrozenArguments = new JsonObject { ["symbol"] = "ETHUSDT", ["orderId"] = 88123455 },
        Risk = new ToolRisk(ToolCategory.Destructive, RiskClass.High, "Cancels an open order"),
        Rule = "cancels-need-a-human",
        Settings = ApprovalSettings.Default,
    };

    /// <summary>
    /// A withdrawal whose address is written backwards behind a right-to-left override (it reads "bc1qattacker"
    /// unescaped) and whose amount hides zero-width spaces, as a security tester sent it.
    /// </summary>
    public static ApprovalRequest DisguisedWithdrawal() => PlaceOrder() with
    {
        Tool = "exchange_withdraw",
        FrozenArguments = new JsonObject
        {
            ["coin"] = "BTC",
            ["address"] = "bc1q\u202erekcatta\u202c",
            ["amount"] = "1\u200b0\u200b0",
            ["memo"] = "付款给供应商 دفع للمورد",
            ["note"] = new string('.', 200) + "\u2066",
            // "ok" and two bytes of a message hidden in variation selectors, which draw nothing.
            ["tag"] = "ok\U000E0100\U000E0101",
        },
        Risk = new ToolRisk(ToolCategory.Financial, RiskClass.Critical, "Sends funds off the exchange"),
        Rule = "withdrawals-need-a-human",
        Settings = ApprovalSettings.Default,
    };

    /// <summary><paramref name="request"/> under a rule that lets only <paramref name="approvers"/> decide.</summary>
    public static ApprovalRequest OnlyFor(ApprovalRequest request, params string[] approvers) =>
        request with { Settings = request.Settings with { Approvers = approvers } };

    public static IReadOnlyList<object> Tools { get; } =
    [
        new { name = "exchange_get_ticker", upstream = "exchange", category = "read_only", risk = "low", reason = "readOnlyHint", action = "allowed", rule = "reads-are-free" },
        new { name = "exchange_get_balance", upstream = "exchange", category = "read_only", risk = "low", reason = "readOnlyHint", action = "allowed", rule = "reads-are-free" },
        new { name = "exchange_place_order", upstream = "exchange", category = "financial", risk = "critical", reason = "Moves money: places a live order", action = "approval_required", rule = "orders-need-a-human" },
        new { name = "exchange_cancel_order", upstream = "exchange", category = "destructive", risk = "high", reason = "destructiveHint", action = "approval_required", rule = "cancels-need-a-human" },
        new { name = "exchange_withdraw", upstream = "exchange", category = "financial", risk = "critical", reason = "Sends funds off the exchange", action = "denied", rule = "never-withdraw" },
        new { name = "everything_echo", upstream = "everything", category = "read_only", risk = "low", reason = "readOnlyHint", action = "rate_limited", rule = "echo-limit", rate_limit = "10 per 60 s per agent" },
        // As the Binance MCP server names its tools: long, in one camel-case word.
        new
        {
            name = "BinanceSpotTimeWeightedAveragePriceNewOrder", upstream = "binance", category = "destructive", risk = "critical",
            reason = "annotated destructiveHint on a financial object (\"price\"): irreversible", action = "allowed",
            rule = "tools[\"BinanceSpotTimeWeightedAveragePriceNewOrder\"]", rate_limit = "10 per 60 s per session",
            conditions = new[] { "approval_required when args.quantity * args.price > 1000" },
        },
    ];

    public static IReadOnlyList<AuditRecord> Audit(DateTimeOffset now) =>
    [
        Record(5, now.AddMinutes(-2), "trader-bot", "exchange_place_order", "approval_required", "approved", ["alice"], "Within today's limits"),
        Record(4, now.AddMinutes(-9), "trader-bot", "exchange_get_ticker", "allowed", "forwarded", [], null),
        Record(3, now.AddMinutes(-15), "research-bot", "exchange_withdraw", "denied", "denied", [], "never-withdraw: withdrawals are off"),
        Record(2, now.AddMinutes(-31), "trader-bot", "exchange_cancel_order", "approval_required", "rejected", ["bob"], "Order is still needed"),
        Record(1, now.AddMinutes(-47), "research-bot", "everything_echo", "rate_limited", "rate_limited", [], "10 per 60 s"),
    ];

    /// <summary>The chain hash the sample record <paramref name="seq"/> claims.</summary>
    public static string AuditHash(long seq) => $"{seq:x2}".PadLeft(64, 'c');

    public static AuditRecord Record(long seq, DateTimeOffset time, string agent, string tool, string decision, string outcome, string[] decidedBy, string? reason) =>
        new(time, agent, "sess-4c1d", tool.Split('_')[0], tool, new JsonObject { ["symbol"] = "BTCUSDT", ["apiKey"] = "***" }, "ab12", decision, "rule", outcome, reason, null, decidedBy, "low", 0.1, 0, 12, 13)
        {
            Seq = seq,
            Hash = AuditHash(seq),
        };
}
