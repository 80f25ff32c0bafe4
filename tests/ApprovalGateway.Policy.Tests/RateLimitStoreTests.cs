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
    public async Task EvaluateAsync_CountsInTheGivenStore_UnderTheRuleAndScope()
    {
        var store = new ScriptedStore(RateLimitResult.Granted);

        var decision = await Facts.Policy(AgentLimited).EvaluateAsync(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(DecisionKind.Allowed, decision.Kind);
        Assert.Equal([("tools[\"O\"]", "alice", 3, 60)], store.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_RefusesWithTheRulesReason_WhenTheStoreSaysLimited()
    {
        var store = new ScriptedStore(RateLimitResult.Limited(7));

        var decision = await Facts.Policy(AgentLimited).EvaluateAsync(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "3 calls per 60 s exceeded", 7), decision);
    }

    [Fact]
    public async Task EvaluateAsync_RefusesWithTheStoresReason_WhenTheStoreCannotCount()
    {
        var store = new ScriptedStore(new RateLimitResult(false, 5, "shared counters unreachable"));

        var decision = await Facts.Policy(AgentLimited).EvaluateAsync(Facts.Call("O", agent: "alice"), store);

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "shared counters unreachable", 5), decision);
    }

    [Fact]
    public async Task EvaluateAsync_LeavesTheStoreAlone_WhenTheCallIsDenied()
    {
        var store = new ScriptedStore(RateLimitResult.Granted);

        var decision = await Facts.Policy(AgentLimited).EvaluateAsync(Facts.Call("D"), store);

        Assert.Equal(DecisionKind.Denied, decision.Kind);
        Assert.Empty(store.Calls);
    }

    [Fact]
    public async Task EvaluateAsync_WaitsForAStoreThatAnswersLater_AndAppliesItsAnswer()
    {
        var answer = new TaskCompletionSource<RateLimitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new LaterStore(answer.Task);

        var deciding = Facts.Policy(AgentLimited).EvaluateAsync(Facts.Call("O", agent: "alice"), store).AsTask();
        Assert.False(deciding.IsCompleted);
        answer.SetResult(RateLimitResult.Limited(9));

        Assert.Equal(new PolicyDecision(DecisionKind.RateLimited, "tools[\"O\"]", "3 calls per 60 s exceeded", 9), await deciding);
    }

    [Fact]
    public async Task AcquireAsync_AnswersLikeTryAcquire_ForTheInMemoryLimiter()
    {
        IRateLimitStore limiter = new RateLimiter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());

        Assert.Equal(RateLimitResult.Granted, await limiter.AcquireAsync("r", "s", 1, 30));
        Assert.Equal(RateLimitResult.Limited(30), await limiter.AcquireAsync("r", "s", 1, 30));
    }

    private sealed class LaterStore(Task<RateLimitResult> answer) : IRateLimitStore
    {
        public ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds) => new(answer);
    }

    private sealed class ScriptedStore(RateLimitResult answer) : IRateLimitStore
    {
        public List<(string Rule, string Scope, int Max, int Window)> Calls { get; } = [];

        public ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds)
        {
            Calls.Add((rule, scope, max, windowSeconds));
            return new(answer);
        }
    }
}
