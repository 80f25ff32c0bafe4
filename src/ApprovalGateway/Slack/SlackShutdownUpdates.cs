using ApprovalGateway.Approvals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Slack;

/// <summary>
/// Brings the prompts of calls withdrawn while the host stops up to date before it has stopped. Hangfire's server
/// takes no new job once the host is stopping, so on the embedded storage a withdrawal's update job would never run
/// and the prompt would keep live buttons for a call that is gone. Stopping waits until no call is held (each has
/// its outcome and its update started by then), then for the updates, at most <see cref="MaxWait"/> each.
/// </summary>
internal sealed class SlackShutdownUpdates(IServiceProvider services, HeldCallLimit heldCalls, ILogger<SlackShutdownUpdates> logger) : IHostedService
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    private readonly Lock gate = new();
    private readonly List<Task> updates = [];

    /// <summary>Updates the prompt of <paramref name="approvalId"/> now, outside Hangfire; stopping waits for it.</summary>
    public void Update(string approvalId)
    {
        lock (gate)
        {
            updates.Add(Task.Run(() => UpdateAsync(approvalId)));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await heldCalls.WhenNoneHeld().WaitAsync(MaxWait, cancellationToken);
            Task[] started;
            lock (gate)
            {
                started = [.. updates];
            }

            await Task.WhenAll(started).WaitAsync(MaxWait, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            Log.ShutdownUpdatesUnfinished(logger);
        }
    }

    private async Task UpdateAsync(string approvalId)
    {
        try
        {
            await services.GetRequiredService<SlackPromptJobs>().UpdatePromptAsync(approvalId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.ShutdownUpdateFailed(logger, ex, approvalId);
        }
    }
}
