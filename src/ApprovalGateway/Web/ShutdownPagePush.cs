using ApprovalGateway.Approvals;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.Web;

/// <summary>
/// Keeps the live pages' connections open, as the host begins to stop, until they have been told that this instance's
/// held calls were withdrawn. SignalR closes every connection from an ApplicationStopping callback it registers when
/// the hub is mapped; the withdrawals start from the same signal but are stored and pushed afterwards, so pages lost
/// them and went on showing Approve buttons for calls that were gone. Cancellation callbacks run in reverse order of
/// registration: this one, registered when the host starts (after the hub is mapped, before any call can be held),
/// runs after the held calls' own wake-ups and before SignalR's. It waits until no call is held and every push has been
/// written, then closes the pages' connections cleanly itself, at most <see cref="MaxWait"/> in all: SignalR aborts
/// them, and a browser may drop what it had received but not yet read.
/// </summary>
internal sealed class ShutdownPagePush : IHostedService, IDisposable
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    private readonly HubApprovalObserver _pushes;
    private readonly PageConnections _pages;
    private readonly HeldCallLimit? _heldCalls;
    private readonly ILogger<ShutdownPagePush> _logger;
    private readonly CancellationTokenRegistration _registration;

    // Registered when made, which the host does for every hosted service before starting the first one (the server).
    public ShutdownPagePush(
        IHostApplicationLifetime lifetime,
        HubApprovalObserver pushes,
        PageConnections pages,
        ILogger<ShutdownPagePush> logger,
        HeldCallLimit? heldCalls = null)
    {
        _pushes = pushes;
        _pages = pages;
        _heldCalls = heldCalls;
        _logger = logger;
        _registration = lifetime.ApplicationStopping.Register(WaitForWithdrawals);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration.Dispose();

    private void WaitForWithdrawals()
    {
        var told = Task.Run(async () =>
        {
            await (_heldCalls?.WhenNoneHeld() ?? Task.CompletedTask);
            await _pushes.WhenSent();
            await _pages.CloseAllAsync();
        });

        // Blocking, as SignalR's own callback does next while its connections close: nothing else holds this thread.
        try
        {
            if (!told.Wait(MaxWait))
            {
                Log.ShutdownPushUnfinished(_logger, MaxWait, null);
            }
        }
        catch (AggregateException ex)
        {
            // Whatever went wrong, SignalR's callback, next, closes the connections; the stop must go on.
            Log.ShutdownPushUnfinished(_logger, MaxWait, ex);
        }
    }
}
