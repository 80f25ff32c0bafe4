using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;

namespace ApprovalGateway.Policy.Evaluation;

internal sealed record ClassifyEntry(Glob Glob, ClassifyDocument Document);
