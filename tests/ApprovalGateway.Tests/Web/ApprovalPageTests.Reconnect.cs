using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// What the page does while it cannot reach the hub, and when it can again. A dropped connection: "Reconnecting…",
/// tried again after 0.5 s, then twice as long each time up to 10 s, for as long as it takes. A connection that could
/// not be opened at all: "Offline", tried again every 5 s. One the gateway ends itself: opened again at once, unless it
/// had been open less than 5 s. Either way, once connected the page says "Live" and reads the pending list again, so a
/// call held while it was away (whose push it never got) is shown. On the page's virtual clock, as in
/// <c>ApprovalPageTests.Backoff.cs</c>: each attempt is a negotiate request, counted after each move.
/// </summary>
public sealed partial class ApprovalPageTests
{
    /// <summary>The hub client's waits before each attempt to reconnect a dropped connection.</summary>
    private static readonly int[] ReconnectBackoff = [500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000];

    /// <summary>The page's wait before opening again a connection that could not be opened, or that the gateway ended soon after.</summary>
    private const int OfflineRetry = 5_000;

    [ChromiumFact]
    public async Task DroppedConnection_SaysReconnecting_TriesAgainAfterHalfASecond_ThenTwiceAsLongEachTime_UpTo10s_AndShowsTheCallHeldMeanwhile_OnceBack()
    {
        IWebSocketRoute? hub = null;
        var page = await OpenOnVirtualTimeAsync("alice", async p =>
        {
            await p.RouteWebSocketAsync("**/hubs/approvals**", ws =>
            {
                hub = ws;
                ws.ConnectToServer();
            });
            await CountNegotiationsAsync(p);
        });
        await Expect(page.GetByText("Nothing waiting.")).ToBeVisibleAsync();
        Assert.Equal(1, await NegotiationsAsync(page));

        // The gateway stops: the connection drops, and every attempt to connect again fails until it is back.
        await page.RouteAsync("**/hubs/approvals/negotiate**", route => route.AbortAsync());
        await hub!.CloseAsync();
        var reconnecting = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reconnecting…" });
        await Expect(reconnecting).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, not known", "?")).ToHaveAttributeAsync(
            "title", "Not known: the gateway cannot be reached, so the calls waiting may be missing here");

        // Held while the page is away: the push for it goes nowhere.
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());

        foreach (var wait in ReconnectBackoff)
        {
            await AssertAttemptAfterAsync(page, wait);
            await Expect(reconnecting).ToBeVisibleAsync();
        }

        // The gateway is back: the next attempt, 10 s on, connects, and the list read on reconnecting shows the call.
        await page.UnrouteAsync("**/hubs/approvals/negotiate**");
        var attempts = await NegotiationsAsync(page);
        await page.Clock.FastForwardAsync(10_000);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, 1 call", "1")).ToBeVisibleAsync();
        Assert.Equal(attempts + 1, await NegotiationsAsync(page));

        // Connected, it stops trying.
        await page.Clock.FastForwardAsync(10_000);
        await page.Clock.FastForwardAsync(10_000);
        Assert.Equal(attempts + 1, await NegotiationsAsync(page));
    }

    [ChromiumFact]
    public async Task ConnectionThatCannotBeOpened_SaysOffline_TriesAgainEvery5s_AndShowsTheCallWaiting_OnceTheGatewayIsBack()
    {
        var page = await OpenOnVirtualTimeAsync("alice", untilLive: false, beforeLoad: async p =>
        {
            await p.RouteAsync("**/hubs/approvals/negotiate**", route => route.AbortAsync());
            await CountNegotiationsAsync(p);
        });
        var offline = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Offline" });
        await Expect(offline).ToBeVisibleAsync();
        await Expect(page.GetByText("The gateway cannot be reached, so calls waiting for you may be missing here.")).ToBeVisibleAsync();
        await SettledAsync(page, 1);
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());

        for (var i = 0; i < 4; i++)
        {
            await AssertAttemptAfterAsync(page, OfflineRetry);
            await Expect(offline).ToBeVisibleAsync();
        }

        await page.UnrouteAsync("**/hubs/approvals/negotiate**");
        var attempts = await NegotiationsAsync(page);
        await page.Clock.FastForwardAsync(OfflineRetry);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, 1 call", "1")).ToBeVisibleAsync();
        Assert.Equal(attempts + 1, await NegotiationsAsync(page));

        await page.Clock.FastForwardAsync(OfflineRetry);
        await page.Clock.FastForwardAsync(OfflineRetry);
        Assert.Equal(attempts + 1, await NegotiationsAsync(page));
    }

    [ChromiumFact]
    public async Task ConnectionTheGatewayEnds_AsOnASignOutElsewhere_IsOpenedAgainAtOnce_AndTheListReadAgain_ButAfter5s_WhenEndedRightAfterOpening()
    {
        var page = await OpenOnVirtualTimeAsync("alice", CountNegotiationsAsync);
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");
        await Expect(card).ToBeVisibleAsync();
        await page.Clock.FastForwardAsync(OfflineRetry);
        _app.Approvals.ForgetQuietly("apr-1");

        // Alice signs out in another browser: the gateway ends her connections, and this page, still signed in,
        // connects again at once (no time passes on its clock) and reads the list, where the call is gone. Before, it
        // said "Offline" and went on showing the call for 5 s, as for a gateway it could not reach.
        await AssertConnectedToTheGatewayAsync();
        _app.Pages.SignedOut("alice");
        await Expect(card).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        Assert.Equal(2, await NegotiationsAsync(page));

        // Ended again right after it opened (here, the gateway has its pages reconnect): the page waits 5 s, so a
        // gateway that keeps ending its connection is not met with one connection after another.
        await AssertConnectedToTheGatewayAsync();
        Assert.Equal(1, _app.Pages.ReloadAll());
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Offline" })).ToBeVisibleAsync();
        await AssertAttemptAfterAsync(page, OfflineRetry);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
    }

    /// <summary>The gateway has taken the page's next connection as open (see <see cref="PageConnectionsOpened"/>).</summary>
    private async Task AssertConnectedToTheGatewayAsync() =>
        Assert.True(await _app.Opened.NextAsync(), "the gateway has no open connection of the page");

    /// <summary>
    /// After the last attempt failed (the page has taken its failure in): no attempt until <paramref name="wait"/> ms of
    /// virtual time have passed, then one, which fails in turn while the negotiate route aborts it.
    /// </summary>
    private static async Task AssertAttemptAfterAsync(IPage page, int wait)
    {
        var before = await NegotiationsAsync(page);
        await SettledAsync(page, before);
        await page.Clock.FastForwardAsync(wait - 1);
        Assert.True(await NegotiationsAsync(page) == before, $"the page tried to connect again before {wait} ms had passed");
        await page.Clock.FastForwardAsync(1);
        Assert.True(await NegotiationsAsync(page) == before + 1, $"the page did not try to connect again once {wait} ms had passed");
        await SettledAsync(page, before + 1);
    }

    /// <summary>
    /// Counts the page's negotiate requests (one per attempt to connect) as it starts them, and those that have ended,
    /// answered or failed. The hub client handles an attempt's end in promise callbacks alone, with no timer, so once
    /// <see cref="SettledAsync"/> returns it has set the timer of its next attempt.
    /// </summary>
    private static Task CountNegotiationsAsync(IPage page) => page.AddInitScriptAsync("""
        (() => {
          const fetch = window.fetch;
          const counts = window.__negotiations = { started: 0, settled: 0, waiting: [] };
          window.fetch = function (resource) {
            const url = new URL(resource instanceof Request ? resource.url : String(resource), location.href);
            const response = fetch.apply(this, arguments);
            if (url.pathname === "/hubs/approvals/negotiate") {
              counts.started++;
              const settled = () => {
                counts.settled++;
                counts.waiting.filter((w) => counts.settled >= w.count).forEach((w) => w.resolve());
                counts.waiting = counts.waiting.filter((w) => counts.settled < w.count);
              };
              response.then(settled, settled);
            }
            return response;
          };
          window.__negotiationsSettled = (count) => new Promise((resolve) => {
            if (counts.settled >= count) resolve();
            else counts.waiting.push({ count, resolve });
          });
        })();
        """);

    private static Task<int> NegotiationsAsync(IPage page) => page.EvaluateAsync<int>("() => window.__negotiations.started");

    private static Task SettledAsync(IPage page, int count) =>
        page.EvaluateAsync("count => window.__negotiationsSettled(count)", count).WaitAsync(TimeSpan.FromSeconds(30));
}
