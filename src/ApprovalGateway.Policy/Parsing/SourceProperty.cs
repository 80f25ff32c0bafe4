namespace ApprovalGateway.Policy.Parsing;

/// <summary>An object member: its name, where the name starts, and its value.</summary>
internal sealed record SourceProperty(string Name, int Offset, SourceNode Value);
