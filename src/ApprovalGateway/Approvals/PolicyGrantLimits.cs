using ApprovalGateway.Policy;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Checks a grant about to be given against this instance's policy in force (<see cref="ApprovalGrant.LimitUnder"/>):
/// without it, a call held before an edit gave the grant its old rule offered, listed as in force though no call would
/// pass under it. Walks the policy's rules once per approval that gives a grant, never on the call path.
/// </summary>
internal sealed class PolicyGrantLimits(PolicyStore policy) : IGrantLimits
{
    public GrantLimit? For(ApprovalSnapshot approved) =>
        ApprovalGrant.LimitUnder(approved, policy.Current.RuleDecision(approved.Request.Rule));
}
