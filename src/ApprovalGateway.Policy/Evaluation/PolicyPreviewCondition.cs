using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>One <c>when</c> entry of a rule as a person reads it: the expression and the decision it gives.</summary>
public sealed record PolicyPreviewCondition(string Expression, DecisionKind Kind);
