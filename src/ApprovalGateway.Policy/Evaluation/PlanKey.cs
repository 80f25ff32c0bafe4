using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Evaluation;

internal readonly record struct PlanKey(string Tool, string? Agent, RiskClass Risk);
