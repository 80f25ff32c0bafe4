using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// How often the page reads a list again while the reads fail: after 1 s, then twice as long each time up to 30 s, and
/// from 1 s again once a read succeeds. Not hammering a gateway whose storage is down, not giving up on it, and not
/// leaving an approver waiting 30 s after the next blip. Time here is the page's virtual clock, moved by the test, so
/// nothing is timed: the reads the page asked for are counted after each move.
/// </summary>
public sealed partial class ApprovalPageTests
{
    private const string PendingRead = "/api/approvals?status=pending";
    private const string GrantsRead = "/api/grants";

    /// <summary>The waits between reads while they keep failing: doubling from 1 s, then 30 s for as long as it lasts.</summary>
    private static readonly int[] Backoff = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];

    [ChromiumFact]
    public async Task PendingList_IsReadAgainAfter1s_ThenTwiceAsLongEachTime_UpTo30s_AndShownOnceARetrySucceeds()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var storage = new FailingStorage();
        var page = await OpenOnVirtualTimeAsync("alice", p => storage.RouteAsync(p, PendingRead));
        var failed = page.Locator("#pending-unknown-text");
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(1, "The calls waiting for you could not be read"));

        await AssertReadAgainOnScheduleAsync(page, PendingRead, failed, storage, "The calls waiting for you could not be read");

        // Storage is back: the next retry, 30 s on, shows the call waiting, and then the page stops asking.
        storage.Up = true;
        await page.Clock.FastForwardAsync(30_000);
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, 1 call", "1")).ToBeVisibleAsync();
        await Expect(page.Locator("#pending-unknown")).ToBeHiddenAsync();
        await AssertNotReadAgainAsync(page, PendingRead, storage);
    }

    [ChromiumFact]
    public async Task GrantsList_IsReadAgainAfter1s_ThenTwiceAsLongEachTime_UpTo30s_AndShownOnceARetrySucceeds()
    {
        GrantsReadsFailOnPurpose();
        AddGrant();
        var storage = new FailingStorage();
        var page = await OpenOnVirtualTimeAsync("alice", p => storage.RouteAsync(p, GrantsRead));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Grants, not known", Exact = true }).ClickAsync();
        var failed = page.Locator("#grants-unknown-text");
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(1, "The grants in force could not be read"));

        await AssertReadAgainOnScheduleAsync(page, GrantsRead, failed, storage, "The grants in force could not be read");

        storage.Up = true;
        await page.Clock.FastForwardAsync(30_000);
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Grants, 1 in force", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "exchange_place_order" })).ToContainTextAsync("trader-bot");
        await Expect(page.Locator("#grants-unknown")).ToBeHiddenAsync();
        await AssertNotReadAgainAsync(page, GrantsRead, storage);
    }

    [ChromiumFact]
    public async Task PendingList_ThatFailsAgainAfterARetrySucceeded_IsReadAgainAfter1s_NotWhereTheBackoffHadGrown()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var storage = new FailingStorage();
        IWebSocketRoute? hub = null;
        var page = await OpenOnVirtualTimeAsync("alice", async p =>
        {
            await p.RouteWebSocketAsync("**/hubs/approvals**", ws =>
            {
                hub = ws;
                ws.ConnectToServer();
            });
            await storage.RouteAsync(p, PendingRead);
        });
        const string Why = "The calls waiting for you could not be read";
        var failed = page.Locator("#pending-unknown-text");
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(1, Why));
        await AssertReadAfterAsync(page, PendingRead, 1_000);
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(2, Why));
        await AssertReadAfterAsync(page, PendingRead, 2_000);
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(3, Why));
        storage.Up = true;
        await AssertReadAfterAsync(page, PendingRead, 4_000);
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        // The gateway restarts with its storage down: reconnecting reads the list, which fails.
        storage.Up = false;
        await hub!.CloseAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reconnecting" })).ToBeVisibleAsync();
        await page.Clock.FastForwardAsync(500);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(5, Why));
        Assert.Equal(5, await ReadsAsync(page, PendingRead));

        // The next retry comes 1 s later, as after the first failure: not 8 s, where the earlier failures had left it.
        await AssertReadAfterAsync(page, PendingRead, 1_000);
        await Expect(failed).ToContainTextAsync(FailingStorage.Failure(6, Why));
        await AssertReadAfterAsync(page, PendingRead, 2_000);
    }

    /// <summary>
    /// After a failed read (the page saying so): one read, and only one, at each wait of <see cref="Backoff"/> after the
    /// one before, and none a millisecond earlier. Each read fails again, as <paramref name="storage"/> stays down.
    /// </summary>
    private static async Task AssertReadAgainOnScheduleAsync(IPage page, string path, ILocator failed, FailingStorage storage, string why)
    {
        var reads = await ReadsAsync(page, path);
        Assert.Equal(1, reads);
        foreach (var wait in Backoff)
        {
            await AssertReadAfterAsync(page, path, wait);
            reads++;
            // The gateway answered this read and the page took the failure in: from here the next wait is counted.
            await Expect(failed).ToContainTextAsync(FailingStorage.Failure(reads, why));
        }

        Assert.Equal(reads, storage.Served);
    }

    /// <summary>Nothing read until <paramref name="wait"/> ms of virtual time have passed, then one read.</summary>
    private static async Task AssertReadAfterAsync(IPage page, string path, int wait)
    {
        var before = await ReadsAsync(page, path);
        await page.Clock.FastForwardAsync(wait - 1);
        Assert.True(await ReadsAsync(page, path) == before, $"{path} was read again before {wait} ms had passed");
        await page.Clock.FastForwardAsync(1);
        Assert.True(await ReadsAsync(page, path) == before + 1, $"{path} was not read again once {wait} ms had passed");
    }

    /// <summary>
    /// A live page whose clock moves only when the test moves it, and which counts the reads it starts. A timer's
    /// callback runs inside the clock's move and the page's reads start a fetch at once, so a read a timer starts is
    /// counted by the time the move returns.
    /// </summary>
    private async Task<IPage> OpenOnVirtualTimeAsync(string approver, Func<IPage, Task> beforeLoad, bool untilLive = true)
    {
        var page = await OpenAsync(approver, untilLive: untilLive, beforeLoad: async p =>
        {
            await p.Clock.InstallAsync();
            await p.Clock.PauseAtAsync(DateTime.UtcNow.AddSeconds(1));
            await p.AddInitScriptAsync("""
                (() => {
                  const fetch = window.fetch;
                  window.__reads = [];
                  window.fetch = function (resource, options) {
                    const url = new URL(resource instanceof Request ? resource.url : String(resource), location.href);
                    window.__reads.push(url.pathname + url.search);
                    return fetch.apply(this, arguments);
                  };
                })();
                """);
            await beforeLoad(p);
        });

        // The gateway's keep-alive pings come every 15 s of real time, and the hub client gives the connection up
        // after 30 s without a message: moved 30 s on at once, the page drops a connection that is fine and reconnects,
        // which reads both lists (seen: "Reconnecting…" and a second negotiate). Only that silence check is switched
        // off; the hub's reconnecting, with its own delays, still runs on the virtual clock.
        await page.EvaluateAsync("() => { signalR.HubConnection.prototype.serverTimeout = () => {}; }");
        return page;
    }

    /// <summary>Once a read succeeded, the page stops asking: no read of <paramref name="path"/> in a minute of virtual time.</summary>
    private static async Task AssertNotReadAgainAsync(IPage page, string path, FailingStorage storage)
    {
        var reads = await ReadsAsync(page, path);
        await page.Clock.FastForwardAsync(29_999);
        await page.Clock.FastForwardAsync(29_999);
        Assert.Equal(reads, await ReadsAsync(page, path));
        Assert.Equal(reads, storage.Served);
    }

    private static Task<int> ReadsAsync(IPage page, string path) =>
        page.EvaluateAsync<int>("path => window.__reads.filter(r => r === path).length", path);

    /// <summary>
    /// The approvals storage behind one read, down (503, as the gateway answers then, naming the read so the page's
    /// message tells which failure it shows) until <see cref="Up"/>.
    /// </summary>
    private sealed class FailingStorage
    {
        private int _served;
        private volatile bool _up;

        public bool Up
        {
            get => _up;
            set => _up = value;
        }

        /// <summary>The reads the gateway answered, failed or not.</summary>
        public int Served => Volatile.Read(ref _served);

        /// <summary>Fails reads of <paramref name="path"/> while down; once up, the app answers.</summary>
        public Task RouteAsync(IPage page, string path) =>
            page.RouteAsync(new Regex("^[^?]*" + Regex.Escape(path) + "$"), route =>
            {
                var read = Interlocked.Increment(ref _served);
                if (_up)
                {
                    return route.ContinueAsync();
                }

                return route.FulfillAsync(new()
                {
                    Status = 503,
                    ContentType = "application/json",
                    Body = JsonSerializer.Serialize(new { message = $"Approval storage unreachable (read {read})" }),
                });
            });

        public static string Failure(int read, string why) => $"{why} (Approval storage unreachable (read {read}))";
    }
}
