using ApprovalGateway.Approvals;
using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// Pushes every new or changed approval to every open page, whichever channel changed it (Slack, another page,
/// the API), so all approvers see the same state at once. Every approval goes out, not only those prompted on
/// "web": the page is the approvers' console, and the message says which channels were prompted.
/// </summary>
internal sealed class HubApprovalObserver(IHubContext<ApprovalsHub> hub, ILogger<HubApprovalObserver> logger) : IApprovalObserver
{
    public void OnChanged(ApprovalSnapshot approval)
    {
        try
        {
            // Not awaited: the observer runs on the decision path and must not wait for slow pages.
            _ = BroadcastAsync(approval.Id, approval.Status, ApprovalView.From(approval));
        }
        catch (Exception exception)
        {
            Log.BroadcastFailed(logger, approval.Id, approval.Status.ToString(), exception);
        }
    }

    private async Task BroadcastAsync(string id, ApprovalStatus status, ApprovalView message)
    {
        try
        {
            await hub.Clients.All.SendAsync(ApprovalsHub.ApprovalChangedMethod, message);
        }
        catch (Exception exception)
        {
            Log.BroadcastFailed(logger, id, status.ToString(), exception);
        }
    }
}
