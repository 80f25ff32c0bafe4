using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
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

    private readonly OncePerInterval _push = new(
        Interval, time, () => hub.Clients.All.SendAsync(ApprovalsHub.AuditAppendedMethod), exception => Log.AuditPushFailed(logger, exception));

    public void OnAppended() => _push.Ask();
}
