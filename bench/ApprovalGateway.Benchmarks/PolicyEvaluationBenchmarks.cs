using System.Text;
using System.Text.Json;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Parsing;
using ApprovalGateway.Policy.Risk;
using BenchmarkDotNet.Attributes;

namespace ApprovalGateway.Benchmarks;

/// <summary>
/// Decisions per second with a 100-rule policy (90 tool rules of mixed exact names and globs, 4 risk rules,
/// 3 agents with grants, conditions and rate limits). Each operation is one decision.
/// </summary>
[MemoryDiagnoser]
public class PolicyEvaluationBenchmarks
{
    private CompiledPolicy _policy = null!;
    private RateLimiter _limiter = null!;
    private ToolCallFacts _plain;
    private ToolCallFacts _globMatch;
    private ToolCallFacts _condition;
    private ToolCallFacts _agentRateLimited;
    private ToolCallFacts _critical;

    [GlobalSetup]
    public void Setup()
    {
        var result = PolicyParser.Parse(BuildPolicy(), "bench.json");
        if (!result.IsValid)
        {
            throw new InvalidOperationException(result.FormatErrors());
        }

        _policy = result.Policy;
        _limiter = new RateLimiter(TimeProvider.System);
        var args = JsonDocument.Parse("""{ "symbol": "BTCUSDT", "side": "BUY", "quantity": 2, "price": 350 }""").RootElement;
        var low = new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "bench");
        _plain = new ToolCallFacts("Tool042", "exchange", null, "session-1", args, low);
        _globMatch = new ToolCallFacts("GroupB_Tool7", "exchange", null, "session-1", args, low);
        _condition = new ToolCallFacts("BinanceNewOrder", "exchange", null, "session-1", args, new ToolRisk(ToolCategory.Financial, RiskClass.High, "bench"));
        _agentRateLimited = new ToolCallFacts("BinanceDeleteOrder", "exchange", "agent-1", "session-1", args, new ToolRisk(ToolCategory.Destructive, RiskClass.Critical, "bench"));
        _critical = new ToolCallFacts("Unlisted", "exchange", null, "session-1", args, new ToolRisk(ToolCategory.Financial, RiskClass.Critical, "bench"));
    }

    [Benchmark(Baseline = true)]
    public PolicyDecision ExactToolRule() => _policy.Evaluate(_plain, _limiter);

    [Benchmark]
    public PolicyDecision GlobToolRule() => _policy.Evaluate(_globMatch, _limiter);

    [Benchmark]
    public PolicyDecision ConditionsSymbolAndNotional() => _policy.Evaluate(_condition, _limiter);

    [Benchmark]
    public PolicyDecision AgentGrantWithRateLimit() => _policy.Evaluate(_agentRateLimited, _limiter);

    [Benchmark]
    public PolicyDecision RiskRuleFallback() => _policy.Evaluate(_critical, _limiter);

    private static string BuildPolicy()
    {
        var tools = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            tools.Add($"\"Tool{i:000}\": \"{(i % 3 == 0 ? "deny" : "allow")}\"");
        }

        for (var g = 0; g < 26; g++)
        {
            tools.Add($"\"Group{(char)('A' + g)}_*\": {{ \"action\": \"allow\", \"reason\": \"group {g}\" }}");
        }

        tools.Add("\"Binance*Cancel*\": \"require_approval\"");
        tools.Add("\"BinanceWallet*\": { \"action\": \"require_approval\", \"approval\": { \"approvals\": 2 } }");
        tools.Add("\"BinanceDeleteOrder\": \"require_approval\"");
        tools.Add("""
            "BinanceNewOrder": { "action": "allow", "when": [
              { "if": "args.symbol not in ['BTCUSDT', 'ETHUSDT', 'BNBUSDT']", "action": "deny" },
              { "if": "args.quantity * args.price > 1000", "action": "require_approval" } ] }
            """);
        var agents = new List<string>();
        for (var a = 0; a < 3; a++)
        {
            agents.Add($$"""
                "agent-{{a}}": { "tools": {
                  "BinanceDeleteOrder": { "action": "allow", "rate_limit": { "max": 2000000000, "window": 60, "per": "agent" } },
                  "Tool00*": "allow" } }
                """);
        }

        var json = new StringBuilder()
            .Append("{ \"version\": \"1\", \"default\": \"deny\", \"hide\": [\"Secret*\", \"Internal\"], ")
            .Append("\"risk\": { \"low\": \"allow\", \"medium\": \"require_approval\", \"high\": \"require_approval\", \"critical\": \"require_approval\" }, ")
            .Append("\"tools\": { ").AppendJoin(", ", tools).Append(" }, ")
            .Append("\"agents\": { ").AppendJoin(", ", agents).Append(" } }");
        return json.ToString();
    }
}
