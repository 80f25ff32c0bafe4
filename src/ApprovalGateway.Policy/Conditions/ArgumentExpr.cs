using System.Text.Json;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary><c>args.a.b</c> or <c>args["a-b"]</c>: a missing property (or no arguments at all) reads as null.</summary>
internal sealed class ArgumentExpr(string[] path) : Expr
{
    public override Value Evaluate(in ToolCallFacts facts)
    {
        var current = facts.Arguments;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return Value.Null;
            }
        }

        return Value.FromElement(current);
    }
}
