namespace ApprovalGateway.Policy.Parsing;

/// <summary>One problem in a policy file, at a 1-based line and column; line 0 for the file as a whole (it cannot be read).</summary>
public sealed record PolicyError(int Line, int Column, string Message)
{
    /// <summary>The <c>file:line: message</c> form printed by <c>validate</c> and at startup.</summary>
    public string Format(string sourceName) => Line > 0 ? $"{sourceName}:{Line}: {Message}" : $"{sourceName}: {Message}";
}
