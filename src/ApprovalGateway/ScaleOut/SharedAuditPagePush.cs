using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using ApprovalGateway.Web;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// With the audit log in the shared PostgreSQL table and no Redis backplane, a page hears only its own instance's
/// pushes, so an open Audit tab never offered the records other instances wrote. This tells the other instances, at
/// most once per <see cref="AuditPagePush.Interval"/>, that records were written here, and has this instance's pages
/// look for new records when another instance says so. The word carries nothing: each page reads the shared table.
/// </summary>
internal sealed class SharedAuditPagePush : IAuditObserver, IHostedService
{
    private readonly CrossInstanceApprovalSignal _signal;
    private readonly AuditPagePush _pages;
    private readonly ILogger<SharedAuditPagePush> _logger;
    private readonly OncePerInterval _publish;
    private int _failing;

    public SharedAuditPagePush(CrossInstanceApprovalSignal signal, AuditPagePush pages, TimeProvider time, ILogger<SharedAuditPagePush> logger)
    {
        (_signal, _pages, _logger) = (signal, pages, logger);
        _publish = new(AuditPagePush.Interval, time, PublishAsync, Failed);
    }

    public void OnAppended() => _publish.Ask();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _signal.AuditAppendedElsewhere += _pages.OnAppended;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _signal.AuditAppendedElsewhere -= _pages.OnAppended;
        return Task.CompletedTask;
    }

    private async Task PublishAsync()
    {
        await _signal.PublishAuditAppendedAsync();
        Volatile.Write(ref _failing, 0);
    }

    private void Failed(Exception exception)
    {
        // Once per outage of the channel, not once a second while calls go through.
        if (Interlocked.Exchange(ref _failing, 1) == 0)
        {
            Log.AuditAppendedNotPublished(_logger, exception);
        }
    }
}
