namespace ApprovalGateway.Policy.Decisions;

/// <summary>The wire names of <see cref="DecisionKind"/>: snake_case, stable, used in JSON and CSV.</summary>
public static class DecisionKindNames
{
    public static string ToWireName(this DecisionKind kind) => kind switch
    {
        DecisionKind.Allowed => "allowed",
        DecisionKind.Hidden => "hidden",
        DecisionKind.Denied => "denied",
        DecisionKind.RateLimited => "rate_limited",
        DecisionKind.ApprovalRequired => "approval_required",
        DecisionKind.Approved => "approved",
        DecisionKind.Rejected => "rejected",
        DecisionKind.Expired => "expired",
        DecisionKind.Withdrawn => "withdrawn",
        DecisionKind.Forwarding => "forwarding",
        DecisionKind.Forwarded => "forwarded",
        DecisionKind.UpstreamFailed => "upstream_failed",
        DecisionKind.Unauthenticated => "unauthenticated",
        DecisionKind.UnknownTool => "unknown_tool",
        DecisionKind.InvalidArguments => "invalid_arguments",
        DecisionKind.GrantRevoked => "grant_revoked",
        DecisionKind.InvalidRequest => "invalid_request",
        DecisionKind.PolicyLoaded => "policy_loaded",
        DecisionKind.PolicyRejected => "policy_rejected",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
