using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary><c>x in [..]</c> and <c>x not in [..]</c> against a list of literals written in the policy.</summary>
internal sealed class InExpr(Expr item, Value[] list, bool negate) : Expr
{
    public override bool IsBoolean => true;

    public override Value Evaluate(in ToolCallFacts facts)
    {
        var value = item.Evaluate(facts);
        if (value.Kind == ValueKind.Error)
        {
            return Value.Error;
        }

        var found = false;
        foreach (var candidate in list)
        {
            if (ValueEquality.AreEqual(value, candidate))
            {
                found = true;
                break;
            }
        }

        return Value.FromBool(found != negate);
    }
}
