using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary><c>tool</c>, <c>agent</c> or <c>upstream</c>: the call's own facts, as strings (agent may be null).</summary>
internal sealed class FactExpr(string name) : Expr
{
    public override Value Evaluate(in ToolCallFacts facts) => name switch
    {
        "tool" => Value.FromString(facts.Tool),
        "agent" => Value.FromString(facts.Agent),
        _ => Value.FromString(facts.Upstream),
    };
}
