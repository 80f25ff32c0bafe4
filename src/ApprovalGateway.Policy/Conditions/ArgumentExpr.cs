using System.Text.Json;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary><c>args.a.b</c> or <c>args["a-b"]</c>: a missing property (or no arguments at all) reads as null.</summary>
internal sealed class ArgumentExpr(string[] path) : Expr
{
    // UTF-8 names spare JsonElement a transcoding of each name on every lookup.
    private readonly byte[][] _utf8Path = [.. path.Select(System.Text.Encoding.UTF8.GetBytes)];

    public override Value Evaluate(in ToolCallFacts facts)
    {
        var current = facts.Arguments;
        foreach (var name in _utf8Path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return Value.Null;
            }
        }

        return Value.FromElement(current);
    }
}
