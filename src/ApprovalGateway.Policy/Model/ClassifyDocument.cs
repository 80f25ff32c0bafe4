using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Model;

/// <summary>A <c>classify</c> entry: replaces the classifier's category and/or risk class for matching tools.</summary>
public sealed record ClassifyDocument(ToolCategory? Category, RiskClass? Risk, string? Reason);
