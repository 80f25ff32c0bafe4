namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Tool names and argument sets of the demo exchange the approval tests hold.</summary>
internal static class ApprovalPolicies
{
    public const string CancelTwap = "BinanceSpotCancelOpenTWAPOrder";
    public const string Withdraw = "BinanceWalletWithdraw";
    public const string WithdrawHistory = "BinanceWalletWithdrawHistory";

    public static Dictionary<string, object?> CancelTwapArgs(long algoId) => new() { ["algoId"] = algoId };

    public static Dictionary<string, object?> WithdrawArgs(string clientId) => new()
    {
        ["coin"] = "USDT",
        ["address"] = "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL",
        ["amount"] = 100,
        ["withdrawOrderId"] = clientId,
    };

    /// <summary>A policy that allows everything except <paramref name="tool"/>, which needs approval as <paramref name="approval"/> says.</summary>
    public static string Hold(string tool, string approval) => $$"""
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "{{tool}}": { "action": "require_approval", "approval": {{approval}} }
          }
        }
        """;

    /// <summary>A policy that allows everything, and <paramref name="tool"/> too unless its <c>algoId</c> is above <paramref name="algoId"/>, which needs approval.</summary>
    public static string HoldAbove(string tool, long algoId) => $$"""
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "{{tool}}": { "action": "allow", "when": [ { "if": "args.algoId > {{algoId}}", "action": "require_approval" } ] }
          }
        }
        """;
}
