using System.Net;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>A sign-out that lands while one of the approver's pages is still opening its connection.</summary>
public sealed class WebSignOutRaceTests
{
    [Fact]
    public async Task SignOut_WhileAPageIsOpening_ClosesThatPageToo()
    {
        var opening = new SignOutWhileOpening();
        await using var gateway = await WebGateway.StartAsync(configure: builder =>
            builder.Services.Configure<HubOptions>(options => options.AddFilter(opening)));
        var cookies = new CookieContainer();
        var (browser, csrf) = await gateway.SignInAsync("alice", cookies);
        using (browser)
        {
            opening.SignOut = async () =>
            {
                using var signOut = new HttpRequestMessage(HttpMethod.Post, "/logout");
                signOut.Headers.Add(ApiAntiforgeryMiddleware.HeaderName, csrf);
                using var signedOut = await browser.SendAsync(signOut);
                Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
            };
            await using var page = new HubConnectionBuilder()
                .WithUrl(new Uri(gateway.Host.BaseAddress, ApprovalsHub.Path.TrimStart('/')), HttpTransportType.WebSockets, o => o.Cookies = cookies)
                .Build();
            var watch = PageWatch.On(page);

            // The connection was authorised before the sign-out, and the server takes it as open only after: with the
            // Redis backplane that is a round trip to Redis later. Before, the sign-out found nothing to close in
            // between, and the page stayed open, receiving every held call and its arguments.
            await page.StartAsync();

            await watch.Closed.WaitAsync(TimeSpan.FromSeconds(30));
            var again = await Assert.ThrowsAsync<HttpRequestException>(() => page.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }
    }

    /// <summary>Runs the sign-out as the hub is told a connection opened, before the hub itself hears of it.</summary>
    private sealed class SignOutWhileOpening : IHubFilter
    {
        public Func<Task>? SignOut { get; set; }

        public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
        {
            if (SignOut is { } signOut)
            {
                await signOut();
            }

            await next(context);
        }
    }
}
