using ApprovalGateway.Policy;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Primitives;

namespace ApprovalGateway.Web;

/// <summary>
/// Tells every open page when the policy is reloaded, or a reload fails, so its Tools tab shows the actions and the
/// error in force rather than those of when the page was opened. Each instance tells its own pages: each watches its
/// own policy file.
/// </summary>
internal sealed class PolicyPagePush(PolicyStore policy, IHubContext<ApprovalsHub> hub, ILogger<PolicyPagePush> logger) : IHostedService, IDisposable
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = ChangeToken.OnChange(policy.GetReloadToken, () => _ = PushAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task PushAsync()
    {
        try
        {
            await hub.Clients.All.SendAsync(ApprovalsHub.PolicyChangedMethod);
        }
        catch (Exception exception)
        {
            Log.PolicyPushFailed(logger, exception);
        }
    }
}
