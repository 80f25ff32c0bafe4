namespace ApprovalGateway.Policy.Model;

/// <summary>What a rule does with a call: the three action strings of policy.json.</summary>
public enum PolicyAction
{
    Allow,
    RequireApproval,
    Deny,
}
