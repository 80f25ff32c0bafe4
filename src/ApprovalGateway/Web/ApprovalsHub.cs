using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// The approvers' live console: the server pushes <see cref="ApprovalChangedMethod"/>,
/// <see cref="GrantsChangedMethod"/>, <see cref="PolicyChangedMethod"/> and <see cref="AuditAppendedMethod"/> to every open page. Pages decide and revoke through the REST API (with its
/// anti-forgery check), never through the hub, so it has no client methods.
/// </summary>
internal sealed class ApprovalsHub(PageConnections connections, ILogger<ApprovalsHub> logger) : Hub
{
    public const string Path = "/hubs/approvals";

    public const string ApprovalChangedMethod = "approvalChanged";

    /// <summary>Carries every grant in force (the <c>GET /api/grants</c> list), not a change to one.</summary>
    public const string GrantsChangedMethod = "grantsChanged";

    /// <summary>Carries nothing: the policy was reloaded, or a reload failed; pages read <c>/api/tools</c> and <c>/api/policy</c> again.</summary>
    public const string PolicyChangedMethod = "policyChanged";

    /// <summary>Carries nothing: records were written here; a page showing its Audit tab asks for the newer ones.</summary>
    public const string AuditAppendedMethod = "auditAppended";

    public override Task OnConnectedAsync()
    {
        Log.PageConnected(logger, Context.User?.Identity?.Name ?? "?", Context.ConnectionId);
        connections.Opened(Context);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Log.PageDisconnected(logger, Context.User?.Identity?.Name ?? "?", Context.ConnectionId);
        connections.Closed(Context);
        return base.OnDisconnectedAsync(exception);
    }
}
