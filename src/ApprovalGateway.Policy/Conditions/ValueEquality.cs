namespace ApprovalGateway.Policy.Conditions;

internal static class ValueEquality
{
    public static bool AreEqual(in Value l, in Value r)
    {
        if (l.Kind == ValueKind.Null || r.Kind == ValueKind.Null)
        {
            return l.Kind == r.Kind;
        }

        if (l.Kind == ValueKind.String && r.Kind == ValueKind.String)
        {
            return l.StringEquals(r);
        }

        if (l.Kind == ValueKind.Bool && r.Kind == ValueKind.Bool)
        {
            return l.Bool == r.Bool;
        }

        return (l.Kind == ValueKind.Number || r.Kind == ValueKind.Number)
            && l.TryGetNumber(out var a) && r.TryGetNumber(out var b) && a == b;
    }
}
