using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary>
/// <c>and</c> / <c>or</c> with three-valued logic: an error on one side is absorbed when the other side settles
/// the answer (false for and, true for or) and propagates otherwise.
/// </summary>
internal sealed class LogicalExpr(bool isAnd, Expr left, Expr right) : Expr
{
    public override bool IsBoolean => true;

    public override Value Evaluate(in ToolCallFacts facts)
    {
        var l = Truth(left.Evaluate(facts));
        if (l.Kind == ValueKind.Bool && l.Bool != isAnd)
        {
            return l;
        }

        var r = Truth(right.Evaluate(facts));
        if (r.Kind == ValueKind.Bool && r.Bool != isAnd)
        {
            return r;
        }

        return l.Kind == ValueKind.Error || r.Kind == ValueKind.Error ? Value.Error : Value.FromBool(isAnd);
    }

    internal static Value Truth(in Value value) => value.Kind == ValueKind.Bool ? value : Value.Error;
}
