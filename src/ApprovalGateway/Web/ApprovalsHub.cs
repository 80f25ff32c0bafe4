using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// The approvers' live console: the server pushes <see cref="ApprovalChangedMethod"/> to every open page.
/// Pages decide through the REST API (with its anti-forgery check), never through the hub, so it has no client methods.
/// </summary>
internal sealed class ApprovalsHub(ILogger<ApprovalsHub> logger) : Hub
{
    public const string Path = "/hubs/approvals";

    public const string ApprovalChangedMethod = "approvalChanged";

    public override Task OnConnectedAsync()
    {
        Log.PageConnected(logger, Context.User?.Identity?.Name ?? "?", Context.ConnectionId);
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Log.PageDisconnected(logger, Context.User?.Identity?.Name ?? "?", Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
