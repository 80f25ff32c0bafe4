using System.Diagnostics.CodeAnalysis;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>Either a compiled policy (and the document it came from) or every error found, never both.</summary>
public sealed record PolicyParseResult(string SourceName, PolicyDocument? Document, CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors)
{
    /// <summary>Settings of a valid policy that can never do anything (a rate limit on a deny rule, say), with their lines.</summary>
    public IReadOnlyList<PolicyError> Warnings { get; init; } = [];

    /// <summary>Where the valid policy writes its agent sections, rules and approval settings, by name.</summary>
    public PolicySourceMap Places { get; init; } = PolicySourceMap.None;

    [MemberNotNullWhen(true, nameof(Policy), nameof(Document))]
    public bool IsValid => Policy is not null;

    /// <summary>Every error as <c>file:line: message</c>, one per line.</summary>
    public string FormatErrors() => string.Join(Environment.NewLine, Errors.Select(e => e.Format(SourceName)));
}
