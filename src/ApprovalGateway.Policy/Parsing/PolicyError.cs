namespace ApprovalGateway.Policy.Parsing;

/// <summary>One problem in a policy file, at a 1-based line and column.</summary>
public sealed record PolicyError(int Line, int Column, string Message)
{
    /// <summary>The <c>file:line: message</c> form printed by <c>validate</c> and at startup.</summary>
    public string Format(string sourceName) => $"{sourceName}:{Line}: {Message}";
}
