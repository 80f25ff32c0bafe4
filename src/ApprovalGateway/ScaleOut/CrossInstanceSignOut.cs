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
internal sealed class CrossInstanceSignOut(CrossInstanceApprovalSignal signal, PageConnections pages) : ISignOutListener, IHostedService
{
    public void SignedOut(string approver) => signal.PublishSignedOut(approver);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        signal.SignedOutElsewhere += pages.SignedOut;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        signal.SignedOutElsewhere -= pages.SignedOut;
        return Task.CompletedTask;
    }
}
