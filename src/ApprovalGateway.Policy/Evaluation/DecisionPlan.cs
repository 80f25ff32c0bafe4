namespace ApprovalGateway.Policy.Evaluation;

/// <summary>What a (tool, agent, risk class) resolves to, cached so later calls skip all glob matching.</summary>
internal sealed class DecisionPlan(PolicyDecision? hidden, CompiledRule? rule)
{
    public PolicyDecision? Hidden { get; } = hidden;

    public CompiledRule? Rule { get; } = rule;
}
