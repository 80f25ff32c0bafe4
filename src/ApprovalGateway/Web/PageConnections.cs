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
    private const string AuthorisedAtKey = "approval-gateway/page-authorised-at";

    private readonly ConcurrentDictionary<string, HubCallerContext> _open = new(StringComparer.Ordinal);

    // Each sign-out's place in the order of sign-outs, by approver: the last one of each.
    private readonly ConcurrentDictionary<string, long> _signedOutAt = new(StringComparer.OrdinalIgnoreCase);
    private long _signOuts;

    /// <summary>The ids of this instance's open connections.</summary>
    public IReadOnlyList<string> Ids => [.. _open.Keys];

    /// <summary>
    /// Notes, on the request that opens a connection, which sign-outs came before it was authorised. A connection
    /// is not registered until its handshake is done (over the Redis backplane, after a round trip to Redis), and a
    /// sign-out in between found nothing to close: the page stayed open after its approver signed out.
    /// </summary>
    public void Authorised(HttpContext context) => context.Items[AuthorisedAtKey] = Volatile.Read(ref _signOuts);

    public void Opened(HubCallerContext context)
    {
        // Registered first, checked after: a sign-out either finds it open or left its mark for this check.
        _open[context.ConnectionId] = context;
        if (context.User?.Identity?.Name is { } approver
            && context.GetHttpContext()?.Items[AuthorisedAtKey] is long authorisedAt
            && _signedOutAt.TryGetValue(approver, out var signedOutAt)
            && signedOutAt > authorisedAt)
        {
            Log.PageClosedOnSignOut(logger, approver, context.ConnectionId);
            context.Abort();
        }
    }

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
        var order = Interlocked.Increment(ref _signOuts);
        _signedOutAt.AddOrUpdate(approver, order, (_, earlier) => Math.Max(earlier, order));
        foreach (var context in _open.Values.Where(c => string.Equals(c.User?.Identity?.Name, approver, StringComparison.OrdinalIgnoreCase)))
        {
            Log.PageClosedOnSignOut(logger, approver, context.ConnectionId);
            context.Abort();
        }
    }
}
