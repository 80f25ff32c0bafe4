namespace ApprovalGateway.Policy.Conditions;

internal enum ValueKind
{
    Null,
    Bool,
    Number,
    String,
    /// <summary>An object or array argument: only null-checks and equality to null make sense on it.</summary>
    Other,
    /// <summary>The expression could not be evaluated (arithmetic on a non-number, ordering against null...).</summary>
    Error,
}
