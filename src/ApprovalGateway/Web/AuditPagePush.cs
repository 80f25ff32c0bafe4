using ApprovalGateway.Audit;
using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// Tells the open pages that audit records were written here, at most once per <see cref="Interval"/> however many
/// calls go through: a page whose Audit tab is open then asks for the records newer than those it shows and offers
/// them. The push carries nothing, so a page never learns of a record its filters would not show it.
/// </summary>
internal sealed class AuditPagePush(IHubContext<ApprovalsHub> hub, TimeProvider time, ILogger<AuditPagePush> logger) : IAuditObserver
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private int _scheduled;

    public void OnAppended()
    {
        // Not awaited, and one push for every record written in the next second: this runs on the path of every call.
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = PushAsync();
        }
    }

    private async Task PushAsync()
    {
        try
        {
            await Task.Delay(Interval, time);

            // Cleared before the push, so a record written while it is sent schedules the next one.
            Volatile.Write(ref _scheduled, 0);
            await hub.Clients.All.SendAsync(ApprovalsHub.AuditAppendedMethod);
        }
        catch (Exception exception)
        {
            Volatile.Write(ref _scheduled, 0);
            Log.AuditPushFailed(logger, exception);
        }
    }
}
