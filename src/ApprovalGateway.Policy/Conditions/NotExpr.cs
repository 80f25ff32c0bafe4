using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

internal sealed class NotExpr(Expr operand) : Expr
{
    public override bool IsBoolean => true;

    public override Value Evaluate(in ToolCallFacts facts)
    {
        var value = LogicalExpr.Truth(operand.Evaluate(facts));
        return value.Kind == ValueKind.Bool ? Value.FromBool(!value.Bool) : value;
    }
}
