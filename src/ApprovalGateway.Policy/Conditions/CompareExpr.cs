using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary>
/// <c>== != &lt; &lt;= &gt; &gt;=</c>. Equality works on any two values (a number equals a string holding it);
/// ordering needs two numbers or two strings, otherwise the result is an error value.
/// </summary>
internal sealed class CompareExpr(string op, Expr left, Expr right) : Expr
{
    public override bool IsBoolean => true;

    public override Value Evaluate(in ToolCallFacts facts)
    {
        var l = left.Evaluate(facts);
        var r = right.Evaluate(facts);
        if (l.Kind == ValueKind.Error || r.Kind == ValueKind.Error)
        {
            return Value.Error;
        }

        switch (op)
        {
            case "==":
                return Value.FromBool(ValueEquality.AreEqual(l, r));
            case "!=":
                return Value.FromBool(!ValueEquality.AreEqual(l, r));
        }

        int order;
        if (l.Kind == ValueKind.String && r.Kind == ValueKind.String && !(l.TryGetNumber(out _) && r.TryGetNumber(out _)))
        {
            order = string.CompareOrdinal(l.AsString(), r.AsString());
        }
        else if (l.TryGetNumber(out var a) && r.TryGetNumber(out var b))
        {
            order = a.CompareTo(b);
        }
        else
        {
            return Value.Error;
        }

        return Value.FromBool(op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        });
    }
}
