using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary><c>+ - * / %</c> on numbers (or numeric strings); anything else, or division by zero, is an error value.</summary>
internal sealed class ArithmeticExpr(char op, Expr left, Expr right) : Expr
{
    public override Value Evaluate(in ToolCallFacts facts)
    {
        var l = left.Evaluate(facts);
        var r = right.Evaluate(facts);
        if (!l.TryGetNumber(out var a) || !r.TryGetNumber(out var b))
        {
            return Value.Error;
        }

        return op switch
        {
            '+' => Value.FromNumber(a + b),
            '-' => Value.FromNumber(a - b),
            '*' => Value.FromNumber(a * b),
            '/' => b == 0 ? Value.Error : Value.FromNumber(a / b),
            _ => b == 0 ? Value.Error : Value.FromNumber(a % b),
        };
    }
}
