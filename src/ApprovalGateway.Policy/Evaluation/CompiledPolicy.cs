using System.Collections.Concurrent;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// A policy compiled for evaluation: globs precompiled, rules sorted by specificity, conditions turned into
/// expression trees, and each (tool, agent, risk class) resolved once into a cached plan. Immutable apart from
/// that cache; rate-limit counters live in an <see cref="IRateLimitStore"/> so a reload keeps them.
/// </summary>
public sealed class CompiledPolicy
{
    private const int MaxCachedPlans = 8192;

    private readonly RuleSet _global;
    private readonly Dictionary<string, RuleSet> _agents;
    private readonly ClassifyEntry[] _classify;
    private readonly ConcurrentDictionary<PlanKey, DecisionPlan> _plans = new();

    internal CompiledPolicy(PolicyDocument document, string sourceName, RuleSet global, Dictionary<string, RuleSet> agents, ClassifyEntry[] classify)
    {
        Document = document;
        SourceName = sourceName;
        _global = global;
        _agents = agents;
        _classify = classify;
    }

    public PolicyDocument Document { get; }

    public string SourceName { get; }

    /// <summary>
    /// The rules the file states: tool and risk rules of every scope (a rule's <c>when</c> conditions are part of it).
    /// The built-in <c>risk.critical</c> is not one of them: counted, a file of only <c>hide</c> and <c>default</c>
    /// read as having a rule.
    /// </summary>
    public int RuleCount => CountRules(_global) + _agents.Values.Sum(CountRules);

    /// <summary>
    /// Whether the built-in <c>risk.critical</c> holds critical-risk calls for some agent: the file names no
    /// <c>risk.critical</c>, and a default that does not deny leaves them to it.
    /// </summary>
    public bool HoldsCriticalByDefault =>
        _global.RiskRule(RiskClass.Critical) is { IsBuiltIn: true }
        && (Document.Default != PolicyAction.Deny
            || Document.Agents.Values.Any(a => a.Default is { } d && d != PolicyAction.Deny && !a.Risk.ContainsKey(RiskClass.Critical)));

    /// <summary>"1 rule, default deny", and the built-in rule where it applies, as the load log and <c>validate</c> say it.</summary>
    public string Summary =>
        $"{RuleCount} {(RuleCount == 1 ? "rule" : "rules")}, default {Document.Default.ToWireName()}"
        + (HoldsCriticalByDefault ? $", plus the built-in risk.critical: {PolicyAction.RequireApproval.ToWireName()}" : "");

    public static CompiledPolicy Compile(PolicyDocument document, string sourceName = "policy") => PolicyCompiler.Compile(document, sourceName);

    /// <summary>
    /// Decides one call, counting rate limits in this process. A denied call consumes no rate-limit budget; an
    /// allowed or held call does, and when the budget is spent the answer is <see cref="DecisionKind.RateLimited"/>
    /// with the seconds until the window resets.
    /// </summary>
    public PolicyDecision Evaluate(in ToolCallFacts facts, RateLimiter limiter)
    {
        var decision = Match(facts, out var claim);
        return claim is { } c ? c.Apply(decision, limiter.Acquire(c.Rule.Name, c.Scope, c.Limit.Max, c.Limit.WindowSeconds)) : decision;
    }

    /// <summary>
    /// <see cref="Evaluate"/> with the counters in any store, awaited only when the call is rate-limited and the
    /// store does not answer at once (one in another process).
    /// </summary>
    public ValueTask<PolicyDecision> EvaluateAsync(in ToolCallFacts facts, IRateLimitStore limiter)
    {
        var decision = Match(facts, out var claim);
        if (claim is not { } c)
        {
            return new(decision);
        }

        var acquiring = limiter.AcquireAsync(c.Rule.Name, c.Scope, c.Limit.Max, c.Limit.WindowSeconds);
        return acquiring.IsCompletedSuccessfully ? new(c.Apply(decision, acquiring.Result)) : ApplyAsync(decision, c, acquiring);

        static async ValueTask<PolicyDecision> ApplyAsync(PolicyDecision decision, RateLimitClaim claim, ValueTask<RateLimitResult> acquiring) =>
            claim.Apply(decision, await acquiring);
    }

    /// <summary>The decision the rules give, and the rate limit it must still pass when it has one.</summary>
    private PolicyDecision Match(in ToolCallFacts facts, out RateLimitClaim? claim)
    {
        claim = null;
        var plan = GetPlan(facts.Tool, facts.Agent, facts.Risk.Risk);
        if (plan.Hidden is { } hidden)
        {
            return hidden;
        }

        var rule = plan.Rule!;
        var decision = rule.Decision;
        var action = rule.Action;
        foreach (var condition in rule.Conditions)
        {
            if (condition.Decide(facts) is { } given)
            {
                decision = given;
                action = condition.Action;
                break;
            }
        }

        if (action == PolicyAction.Deny || rule.RateLimit is not { } limit)
        {
            return decision;
        }

        var scope = limit.Per switch
        {
            RateLimitScope.Session => facts.SessionId,
            RateLimitScope.Agent => facts.Agent ?? string.Empty,
            _ => string.Empty,
        };
        claim = new RateLimitClaim(rule, limit, scope);
        return decision;
    }

    /// <summary>True when <paramref name="tool"/> must be left out of tools/list for <paramref name="agent"/>.</summary>
    public bool IsHidden(string tool, string? agent) => FindHidden(tool, agent) is not null;

    /// <summary>The rule's outcome for a tool before arguments are known, without touching rate limits.</summary>
    public PolicyPreview Preview(string tool, string? agent, ToolRisk risk)
    {
        var plan = GetPlan(tool, agent, risk.Risk);
        if (plan.Hidden is { } hidden)
        {
            return new PolicyPreview(DecisionKind.Hidden, hidden.Rule, false, null);
        }

        var rule = plan.Rule!;
        return new PolicyPreview(rule.Decision.Kind, rule.Name, rule.Conditions.Length > 0, rule.RateLimit)
        {
            Conditions = [.. rule.Conditions.Select(c => new PolicyPreviewCondition(c.Text, c.Decision.Kind))],
        };
    }

    /// <summary>
    /// Applies the policy's <c>classify</c> section: the most specific matching entry replaces the category and/or
    /// risk class it names and says so in the reason; a tool no entry matches keeps the classifier's verdict.
    /// </summary>
    public ToolRisk ClassifyOverride(string tool, ToolRisk risk)
    {
        foreach (var entry in _classify)
        {
            if (entry.Glob.IsMatch(tool))
            {
                var reason = entry.Document.Reason is { } why
                    ? $"{why} (policy classify[\"{entry.Glob.Pattern}\"])"
                    : $"set by policy classify[\"{entry.Glob.Pattern}\"]; classifier said: {risk.Reason}";
                return new ToolRisk(entry.Document.Category ?? risk.Category, entry.Document.Risk ?? risk.Risk, reason);
            }
        }

        return risk;
    }

    /// <summary>
    /// What the rule or <c>when</c> condition named <paramref name="name"/> (as decisions name it, e.g.
    /// <c>tools["X"].when[0]</c>) decides in this policy, or null when it names none. Not for the call path: it walks
    /// every rule, for checking what was given under a rule of an earlier policy against this one.
    /// </summary>
    public PolicyDecision? RuleDecision(string name) =>
        Rules(_global).Concat(_agents.Values.SelectMany(Rules))
            .SelectMany(r => r.Conditions.Select(c => c.Decision).Prepend(r.Decision))
            .FirstOrDefault(d => string.Equals(d.Rule, name, StringComparison.Ordinal));

    private static IEnumerable<CompiledRule> Rules(RuleSet set) =>
        set.Tools.Concat(Enum.GetValues<RiskClass>().Select(set.RiskRule).OfType<CompiledRule>()).Concat(set.Default is { } d ? [d] : []);

    private PolicyDecision? FindHidden(string tool, string? agent) =>
        (agent is not null && _agents.TryGetValue(agent, out var scoped) ? scoped.FindHidden(tool) : null) ?? _global.FindHidden(tool);

    private DecisionPlan GetPlan(string tool, string? agent, RiskClass risk)
    {
        var key = new PlanKey(tool, agent, risk);
        if (_plans.TryGetValue(key, out var plan))
        {
            return plan;
        }

        plan = Resolve(tool, agent, risk);
        // Tool names come from agents, so an agent calling made-up names must not grow the cache without bound.
        if (_plans.Count < MaxCachedPlans)
        {
            _plans.TryAdd(key, plan);
        }

        return plan;
    }

    private DecisionPlan Resolve(string tool, string? agent, RiskClass risk)
    {
        if (FindHidden(tool, agent) is { } hidden)
        {
            return new DecisionPlan(hidden, null);
        }

        var scoped = agent is not null && _agents.TryGetValue(agent, out var s) ? s : null;
        var fallback = scoped?.Default ?? _global.Default!;
        var rule = scoped?.FindTool(tool)
            ?? _global.FindTool(tool)
            ?? scoped?.RiskRule(risk)
            ?? _global.RiskRule(risk)
            ?? fallback;

        // The built-in rule is there so that no default lets a critical call through unasked. A default that denies is
        // stricter still: before, "default": "deny" held a withdrawal for approval that the admin meant to deny.
        return new DecisionPlan(null, rule.IsBuiltIn && fallback.Action == PolicyAction.Deny ? fallback : rule);
    }

    private static int CountRules(RuleSet set) =>
        set.Tools.Length + Enum.GetValues<RiskClass>().Count(r => set.RiskRule(r) is { IsBuiltIn: false });
}
