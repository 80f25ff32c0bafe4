namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// The <c>approval</c> block of a rule, with defaults applied: how long a call may wait, who may decide,
/// how many distinct approvers it needs, where prompts go, and the longest time-boxed grant allowed.
/// </summary>
public sealed record ApprovalSettings
{
    /// <summary>
    /// The longest <c>timeout</c> a policy may set, in seconds: 7 days. A call held longer has been forgotten by
    /// whoever asked for it, and the host's timers end at about 49.7 days.
    /// </summary>
    public const int MaxTimeoutSeconds = 7 * 24 * 60 * 60;

    /// <summary>The longest <c>grant_minutes</c> a policy may set: 7 days, as for a held call.</summary>
    public const int MaxGrantMinutes = 7 * 24 * 60;

    public static ApprovalSettings Default { get; } = new();

    /// <summary>How long the call waits for a decision. Default 5 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What a timeout means. Only "reject" exists: a gateway never approves silently.</summary>
    public string OnTimeout { get; init; } = "reject";

    /// <summary>Slack user IDs or approver names allowed to decide; empty means any approver.</summary>
    public IReadOnlyList<string> Approvers { get; init; } = [];

    /// <summary>Number of distinct approvers needed. Default 1.</summary>
    public int Approvals { get; init; } = 1;

    /// <summary>Where prompts go: "slack", "web", "elicitation". Default slack and web.</summary>
    public IReadOnlyList<string> Channels { get; init; } = ["slack", "web"];

    /// <summary>The longest time-boxed grant an approver may give, in minutes; 0 offers none.</summary>
    public int GrantMinutes { get; init; }

    /// <summary>Slack channel for this rule's prompts; null uses <c>Slack:Channel</c>.</summary>
    public string? SlackChannel { get; init; }

    /// <summary>
    /// Whether the agent's own side may approve its call: the person at the agent's client (elicitation) and the
    /// agent's owner. A two-person rule never counts the owner either way.
    /// </summary>
    public bool AllowSelfApproval { get; init; } = true;

    /// <summary>Whether declining or cancelling the prompt in the agent's client rejects the call (otherwise it keeps waiting).</summary>
    public bool RejectOnElicitationDecline { get; init; }
}
