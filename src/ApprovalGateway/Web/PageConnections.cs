using System.Collections.Concurrent;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Web;

/// <summary>
/// The live page's open connections by approver. A connection is authorised once, when it opens: without this, a tab
/// kept receiving every pending call and its arguments after its approver signed out in another tab. Ending an
/// approver's connections on sign-out makes each page reconnect, which a page still holding a valid sign-in does at
/// once and one without does not (it is sent to the sign-in form).
/// </summary>
internal sealed class PageConnections(ILogger<PageConnections> logger) : ISignOutListener
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new(StringComparer.Ordinal);

    public void Opened(HubCallerContext context) => _open[context.ConnectionId] = context;

    public void Closed(HubCallerContext context) => _open.TryRemove(context.ConnectionId, out _);

    public void SignedOut(string approver)
    {
        foreach (var context in _open.Values.Where(c => string.Equals(c.User?.Identity?.Name, approver, StringComparison.OrdinalIgnoreCase)))
        {
            Log.PageClosedOnSignOut(logger, approver, context.ConnectionId);
            context.Abort();
        }
    }
}
