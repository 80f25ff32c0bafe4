using ApprovalGateway.Policy.Conditions;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>A <c>when</c> entry with its expression tree and the decision it gives, built once per load.</summary>
internal sealed class CompiledCondition(Expr expression, string text, PolicyAction action, PolicyDecision decision, PolicyDecision unevaluatedDecision)
{
    public PolicyAction Action { get; } = action;

    /// <summary>The expression as the policy wrote it, for people reading what a rule may do.</summary>
    public string Text { get; } = text;

    public PolicyDecision Decision { get; } = decision;

    /// <summary>The same decision, saying the condition could not be evaluated rather than that it held.</summary>
    public PolicyDecision UnevaluatedDecision { get; } = unevaluatedDecision;

    /// <summary>
    /// A condition that cannot be evaluated (missing argument in arithmetic, a non-number...) fails closed:
    /// it counts as matched when it would deny or hold the call, and as not matched when it would allow it.
    /// </summary>
    /// <returns>The decision this condition gives the call, or null when it does not apply.</returns>
    public PolicyDecision? Decide(in ToolCallFacts facts)
    {
        var value = expression.Evaluate(facts);
        if (value.Kind == ValueKind.Bool)
        {
            return value.Bool ? Decision : null;
        }

        return Action != PolicyAction.Allow ? UnevaluatedDecision : null;
    }
}
