using ApprovalGateway.Approvals;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

/// <summary>
/// Pushes every new or changed approval to every open page, whichever channel changed it (Slack, another page,
/// the API), so all approvers see the same state at once. Every approval goes out, not only those prompted on
/// "web": the page is the approvers' console, and the message says which channels prompted for it (Slack only when configured).
/// </summary>
internal sealed class HubApprovalObserver(
    IHubContext<ApprovalsHub> hub, PageConnections connections, IOptions<ApprovalOptions> options, ILogger<HubApprovalObserver> logger) : IApprovalObserver
{
    private readonly Lock _gate = new();
    private int _sending;
    private TaskCompletionSource? _sent;

    public void OnChanged(ApprovalSnapshot approval)
    {
        try
        {
            // Not awaited: the observer runs on the decision path and must not wait for slow pages.
            _ = BroadcastAsync(approval.Id, approval.Status, ApprovalView.From(approval, options.Value.SlackEnabled));
        }
        catch (Exception exception)
        {
            Log.BroadcastFailed(logger, approval.Id, approval.Status.ToString(), exception);
        }
    }

    /// <summary>Completes once every push begun so far has been written to this instance's pages (and the backplane).</summary>
    public Task WhenSent()
    {
        lock (_gate)
        {
            return _sending == 0
                ? Task.CompletedTask
                : (_sent ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    private async Task BroadcastAsync(string id, ApprovalStatus status, ApprovalView message)
    {
        lock (_gate)
        {
            _sending++;
        }

        try
        {
            // This instance's pages are written to directly, other instances' through the backplane. Through it, a
            // push reaches this instance's own pages only after a round trip to Redis, when the send has long
            // completed: WhenSent could not then say they have it, and a page closed at shutdown would miss it.
            var local = connections.Ids;
            await Task.WhenAll([
                hub.Clients.AllExcept(local).SendAsync(ApprovalsHub.ApprovalChangedMethod, message),
                .. local.Select(connection => hub.Clients.Client(connection).SendAsync(ApprovalsHub.ApprovalChangedMethod, message)),
            ]);
        }
        catch (Exception exception)
        {
            Log.BroadcastFailed(logger, id, status.ToString(), exception);
        }
        finally
        {
            lock (_gate)
            {
                if (--_sending == 0)
                {
                    _sent?.TrySetResult();
                    _sent = null;
                }
            }
        }
    }
}
