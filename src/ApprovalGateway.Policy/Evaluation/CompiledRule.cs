using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>A rule ready to apply: its name for decisions and rate-limit keys, its glob, and precomputed decisions.</summary>
internal sealed class CompiledRule(string name, Glob? glob, PolicyAction action, PolicyDecision decision, CompiledCondition[] conditions, RateLimitDocument? rateLimit, bool builtIn = false)
{
    public string Name { get; } = name;

    /// <summary>The gateway's own <c>risk.critical</c>, in force when the policy's risk section does not mention critical.</summary>
    public bool IsBuiltIn { get; } = builtIn;

    /// <summary>The tool pattern for tools rules; null for risk and default rules.</summary>
    public Glob? Glob { get; } = glob;

    public PolicyAction Action { get; } = action;

    public PolicyDecision Decision { get; } = decision;

    public CompiledCondition[] Conditions { get; } = conditions;

    public RateLimitDocument? RateLimit { get; } = rateLimit;

    /// <summary>The rate-limit message, built once so a limited call costs one decision object only.</summary>
    public string? RateLimitReason { get; } = rateLimit is null ? null : $"{rateLimit.Max} {(rateLimit.Max == 1 ? "call" : "calls")} per {rateLimit.WindowSeconds} s exceeded";
}
