using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

internal sealed class LiteralExpr(Value value) : Expr
{
    public Value Value { get; } = value;

    public override bool IsBoolean => Value.Kind == ValueKind.Bool;

    public override Value Evaluate(in ToolCallFacts facts) => Value;
}
