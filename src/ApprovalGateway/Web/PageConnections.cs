using System.Collections.Concurrent;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Connections.Features;
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

    /// <summary>The ids of this instance's open connections.</summary>
    public IReadOnlyList<string> Ids => [.. _open.Keys];

    public void Opened(HubCallerContext context) => _open[context.ConnectionId] = context;

    public void Closed(HubCallerContext context) => _open.TryRemove(context.ConnectionId, out _);

    /// <summary>
    /// Closes every open connection cleanly, its close message after everything already sent to it, and completes once
    /// each is closed. Aborting instead, as SignalR does when the host stops, lets the browser drop what it had
    /// received but not yet read.
    /// </summary>
    public Task CloseAllAsync()
    {
        var closed = new List<Task>();
        foreach (var context in _open.Values)
        {
            // The transport's own end, once the browser has everything; the hub's when there is no transport to wait for.
            closed.Add(Ended(context.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? context.ConnectionAborted));
            context.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        return Task.WhenAll(closed);
    }

    private static Task Ended(CancellationToken token)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), ended);
        return ended.Task;
    }

    /// <summary>
    /// Ends every open connection, as a dropped network would: each page reconnects at once (or is sent to the sign-in
    /// form) and reads the approvals and grants again. Returns how many were ended.
    /// </summary>
    public int ReloadAll()
    {
        var count = 0;
        foreach (var context in _open.Values)
        {
            context.Abort();
            count++;
        }

        return count;
    }

    public void SignedOut(string approver)
    {
        foreach (var context in _open.Values.Where(c => string.Equals(c.User?.Identity?.Name, approver, StringComparison.OrdinalIgnoreCase)))
        {
            Log.PageClosedOnSignOut(logger, approver, context.ConnectionId);
            context.Abort();
        }
    }
}
