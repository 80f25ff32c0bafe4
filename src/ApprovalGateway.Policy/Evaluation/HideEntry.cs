using ApprovalGateway.Policy.Matching;

namespace ApprovalGateway.Policy.Evaluation;

internal sealed record HideEntry(Glob Glob, PolicyDecision Decision);
