using ApprovalGateway.Approvals;
using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// Pushes the whole list of grants in force to every open page whenever one is given or ended, here or (through the
/// page relay of scale-out) elsewhere. One push at a time, each reading the storage when its turn comes, so the last
/// list a page gets is never older than the last change. Grants that simply run out need no push: pages drop them
/// at their end.
/// </summary>
internal sealed class GrantsPagePush(
    IGrantStore grants, IHubContext<ApprovalsHub> hub, TimeProvider time, ILogger<GrantsPagePush> logger) : IGrantObserver
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public void OnGrantsChanged() =>
        // Not awaited: the observer runs on the decision path and must not wait for storage or slow pages.
        _ = PushAsync();

    private async Task PushAsync()
    {
        await _turn.WaitAsync();
        try
        {
            await hub.Clients.All.SendAsync(ApprovalsHub.GrantsChangedMethod, GrantView.InForce(grants, time));
        }
        catch (Exception exception)
        {
            Log.GrantsPushFailed(logger, exception);
        }
        finally
        {
            _turn.Release();
        }
    }
}
