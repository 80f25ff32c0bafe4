using System.Threading.Channels;
using ApprovalGateway.Approvals;
using ApprovalGateway.Web;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Without Redis there is no SignalR backplane, so a page sees only what its own instance pushes. This relay pushes
/// the approvals other instances create or change too: their signals (LISTEN/NOTIFY) name the approval, and the
/// relay sends this instance's pages its stored state, as the instance that changed it sent its own. An approval that
/// may carry a time-boxed grant (approved under a rule that offers them; its signal also comes when the grant is
/// revoked) sends the pages the grants in force as well.
/// </summary>
internal sealed class RemoteChangePageRelay(
    CrossInstanceApprovalSignal signal,
    ApprovalStore store,
    HubApprovalObserver pages,
    GrantsPagePush grantPages,
    ILogger<RemoteChangePageRelay> logger) : BackgroundService
{
    // One reader in arrival order, and each push is the state stored when it is read, so the last push a page gets
    // for an approval is never older than its last change.
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        signal.ChangedElsewhere += OnChangedElsewhere;
        try
        {
            await foreach (var approvalId in _changed.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (store.Get(approvalId) is { } approval)
                    {
                        pages.OnChanged(approval);
                        if (approval.Status == ApprovalStatus.Approved && approval.Request.Settings.GrantMinutes > 0)
                        {
                            grantPages.OnGrantsChanged();
                        }
                    }
                }
                catch (Exception ex)
                {
                    Log.PageRelayFailed(logger, ex, approvalId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The instance is stopping; its pages go with it.
        }
        finally
        {
            signal.ChangedElsewhere -= OnChangedElsewhere;
        }
    }

    private void OnChangedElsewhere(string approvalId) => _changed.Writer.TryWrite(approvalId);
}
