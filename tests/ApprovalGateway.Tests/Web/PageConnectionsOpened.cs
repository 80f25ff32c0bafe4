using Microsoft.AspNetCore.SignalR;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// Counts the page connections the gateway has taken as open. It does so just after the hub's handshake, which the page
/// may have had first, so nothing the page shows says when.
/// </summary>
internal sealed class PageConnectionsOpened : IHubFilter
{
    private readonly SemaphoreSlim _opened = new(0);

    /// <summary>Waits for the next connection the gateway has registered, of those not waited for yet.</summary>
    public Task<bool> NextAsync() => _opened.WaitAsync(TimeSpan.FromSeconds(30));

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        _opened.Release();
    }
}
