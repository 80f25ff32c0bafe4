namespace ApprovalGateway.Policy.Risk;

/// <summary>A tool's classification and the human-readable reason for it.</summary>
public sealed record ToolRisk(ToolCategory Category, RiskClass Risk, string Reason);
