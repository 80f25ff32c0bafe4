using ApprovalGateway.Approvals;

namespace ApprovalGateway.Web;

/// <summary>The configured approvers (<c>Approvers:{name}</c>), so every channel maps a person to one identity.</summary>
internal interface IApproverDirectory
{
    /// <summary>True when at least one approver is configured; otherwise the page is served to loopback only.</summary>
    bool HasApprovers { get; }

    ApproverIdentity? FindByName(string name);

    ApproverIdentity? FindBySlackUserId(string slackUserId);
}
