using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Model;

/// <summary>A parsed, validated policy.json: the immutable model that <see cref="Evaluation.CompiledPolicy"/> is built from.</summary>
public sealed record PolicyDocument
{
    public string Version { get; init; } = "1";

    /// <summary>The action for tools no rule matches; deny when the file omits it.</summary>
    public PolicyAction Default { get; init; } = PolicyAction.Deny;

    public IReadOnlyList<string> Hide { get; init; } = [];

    public IReadOnlyDictionary<string, RuleDocument> Tools { get; init; } = new Dictionary<string, RuleDocument>();

    public IReadOnlyDictionary<RiskClass, RuleDocument> Risk { get; init; } = new Dictionary<RiskClass, RuleDocument>();

    public IReadOnlyDictionary<string, AgentDocument> Agents { get; init; } = new Dictionary<string, AgentDocument>();

    public IReadOnlyDictionary<string, ClassifyDocument> Classify { get; init; } = new Dictionary<string, ClassifyDocument>();
}
