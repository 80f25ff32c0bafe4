using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Model;

/// <summary>An <c>agents.{name}</c> section: rules that apply only to calls from that agent identity.</summary>
public sealed record AgentDocument
{
    public PolicyAction? Default { get; init; }

    public IReadOnlyList<string> Hide { get; init; } = [];

    public IReadOnlyDictionary<string, RuleDocument> Tools { get; init; } = new Dictionary<string, RuleDocument>();

    public IReadOnlyDictionary<RiskClass, RuleDocument> Risk { get; init; } = new Dictionary<RiskClass, RuleDocument>();
}
