using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Ends an approver's live page connections on every instance when they sign out on one. Behind a load balancer a
/// page of theirs may be connected to another instance than the one their sign-out reached, and it went on
/// receiving every held call and its arguments. Each instance closes its own connections of that approver, as the one
/// that handled the sign-out does (<see cref="PageConnections"/>).
/// </summary>
/// <remarks>
/// A sign-out sent while an instance was cut off from the channel never reaches it, and neither do the pushes of
/// other instances' held calls. When its channel is back, it makes all its pages reconnect: the signed-out ones are
/// then refused, and the others read the approvals they missed (a call held elsewhere during a Redis outage was
/// otherwise missing from them until reloaded by hand).
/// </remarks>
internal sealed class CrossInstanceSignOut(
    CrossInstanceApprovalSignal signal, PageConnections pages, ILogger<CrossInstanceSignOut> logger) : ISignOutListener, IHostedService
{
    public void SignedOut(string approver) => signal.PublishSignedOut(approver);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        signal.SignedOutElsewhere += pages.SignedOut;
        signal.MayHaveMissed += ReloadPages;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        signal.SignedOutElsewhere -= pages.SignedOut;
        signal.MayHaveMissed -= ReloadPages;
        return Task.CompletedTask;
    }

    private void ReloadPages()
    {
        if (pages.ReloadAll() is > 0 and var count)
        {
            Log.PagesReloadAfterReconnection(logger, count);
        }
    }
}
