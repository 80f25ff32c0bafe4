using ApprovalGateway.Audit;
using ApprovalGateway.Web;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// With the audit log in the shared PostgreSQL table and no Redis backplane, a page hears only its own instance's
/// pushes, so an open Audit tab never offered the records other instances wrote. This tells the other instances, at
/// most once per <see cref="AuditPagePush.Interval"/>, that records were written here, and has this instance's pages
/// look for new records when another instance says so. The word carries nothing: each page reads the shared table.
/// </summary>
internal sealed class SharedAuditPagePush(
    CrossInstanceApprovalSignal signal, AuditPagePush pages, TimeProvider time, ILogger<SharedAuditPagePush> logger) : IAuditObserver, IHostedService
{
    private int _scheduled;
    private int _failing;

    public void OnAppended()
    {
        // Not awaited, and one word for every record written in the next interval: this runs on the path of every call.
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = PublishAsync();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        signal.AuditAppendedElsewhere += pages.OnAppended;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        signal.AuditAppendedElsewhere -= pages.OnAppended;
        return Task.CompletedTask;
    }

    private async Task PublishAsync()
    {
        try
        {
            await Task.Delay(AuditPagePush.Interval, time);

            // Cleared before publishing, so a record written meanwhile schedules the next word.
            Volatile.Write(ref _scheduled, 0);
            await signal.PublishAuditAppendedAsync();
            Volatile.Write(ref _failing, 0);
        }
        catch (Exception exception)
        {
            Volatile.Write(ref _scheduled, 0);

            // Once per outage of the channel, not once a second while calls go through.
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                Log.AuditAppendedNotPublished(logger, exception);
            }
        }
    }
}
