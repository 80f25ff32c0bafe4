using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Policy.Model;

/// <summary>The policy.json spelling of <see cref="PolicyAction"/> and the decision each one gives.</summary>
public static class PolicyActionNames
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string RequireApproval = "require_approval";

    public static bool TryParse(string? text, out PolicyAction action)
    {
        switch (text)
        {
            case Allow:
                action = PolicyAction.Allow;
                return true;
            case Deny:
                action = PolicyAction.Deny;
                return true;
            case RequireApproval:
                action = PolicyAction.RequireApproval;
                return true;
            default:
                action = default;
                return false;
        }
    }

    public static string ToWireName(this PolicyAction action) => action switch
    {
        PolicyAction.Allow => Allow,
        PolicyAction.Deny => Deny,
        PolicyAction.RequireApproval => RequireApproval,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    public static DecisionKind ToDecisionKind(this PolicyAction action) => action switch
    {
        PolicyAction.Allow => DecisionKind.Allowed,
        PolicyAction.Deny => DecisionKind.Denied,
        PolicyAction.RequireApproval => DecisionKind.ApprovalRequired,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}
