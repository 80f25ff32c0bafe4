using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Tests;

public sealed class RateLimitStoreTests
{
    private const string AgentLimited = """
        { "tools": { "O": { "rate_limit": { "max": 3, "window": 60, "per": "agent" } },
                     "D": { "action": "deny", "rate_limit": { "max": 3, "window": 60 } } } }
        """;

    [Fact]
    public void Evaluate_CountsInTheGivenStore_UnderTheRuleAndScope()
    {
        var store = new ScriptedStore(RateLimitResult.Granted);

        var decision = Facts.Policy(AgentLimited).Evaluate(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(DecisionKind.Allowed, decision.Kind);
        Assert.Equal([("tools[\"O\"]", "alice", 3, 60)], store.Calls);
    }

    [Fact]
    public void Evaluate_RefusesWithTheRulesReason_WhenTheStoreSaysLimited()
    {
        var store = new ScriptedStore(RateLimitResult.Limited(7));

        var decision = Facts.Policy(AgentLimited).Evaluate(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "3 calls per 60 s exceeded", 7), decision);
    }

    [Fact]
    public void Evaluate_RefusesWithTheStoresReason_WhenTheStoreCannotCount()
    {
        var store = new ScriptedStore(new RateLimitResult(false, 5, "shared counters unreachable"));

        var decision = Facts.Policy(AgentLimited).Evaluate(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "shared counters unreachable", 5), decision);
    }

    [Fact]
    public void Evaluate_LeavesTheStoreAlone_WhenTheCallIsDenied()
    {
        var store = new ScriptedStore(RateLimitResult.Granted);

        var decision = Facts.Policy(AgentLimited).Evaluate(Facts.Call("D"), store);

        Assert.Equal(DecisionKind.Denied, decision.Kind);
        Assert.Empty(store.Calls);
    }

    [Fact]
    public void Acquire_AnswersLikeTryAcquire_ForTheInMemoryLimiter()
    {
        IRateLimitStore limiter = new RateLimiter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());

        Assert.Equal(RateLimitResult.Granted, limiter.Acquire("r", "s", 1, 30));
        Assert.Equal(RateLimitResult.Limited(30), limiter.Acquire("r", "s", 1, 30));
    }

    private sealed class ScriptedStore(RateLimitResult answer) : IRateLimitStore
    {
        public List<(string Rule, string Scope, int Max, int Window)> Calls { get; } = [];

        public RateLimitResult Acquire(string rule, string scope, int max, int windowSeconds)
        {
            Calls.Add((rule, scope, max, windowSeconds));
            return answer;
        }
    }
}
