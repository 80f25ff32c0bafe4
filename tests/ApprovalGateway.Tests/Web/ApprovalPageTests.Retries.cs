using System.Text.RegularExpressions;
using ApprovalGateway.Approvals;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// A read of the pending list or of the grants that fails (the API or its storage down) while the hub stays up: the
/// page reads it again on its own, and offers no Revoke on a grant list that may be out of date.
/// </summary>
public sealed partial class ApprovalPageTests
{
    private const string RevokeOff = "Revoke is off while the page cannot reach the gateway: this list may be out of date.";

    [ChromiumFact]
    public async Task PendingList_ShowsTheCallsWaiting_OnceARead_ThatFailed_SucceedsAgain_WithoutAReconnect()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var negotiations = 0;
        var page = await OpenAsync("alice", beforeLoad: async p =>
        {
            p.Request += (_, request) =>
            {
                if (request.Url.Contains("/hubs/approvals/negotiate", StringComparison.Ordinal)) Interlocked.Increment(ref negotiations);
            };
            await p.RouteAsync("**/api/approvals**", route => route.FulfillAsync(new() { Status = 503, Body = "storage unavailable" }));
        });

        await Expect(page.GetByText("The calls waiting for you could not be read (", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, not known", "?")).ToHaveAttributeAsync("title", "Not known: the calls waiting could not be read");

        // Storage is back. Before, the list stayed unread (the page even said "Offline" for good while connected) until
        // the approver reloaded: the call waiting here was never shown.
        await page.UnrouteAsync("**/api/approvals**");
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(PendingTab(page, "Pending, 1 call", "1")).Not.ToHaveAttributeAsync("title", new Regex("."));
        await Expect(page.GetByText("could not be read", new() { Exact = false })).ToBeHiddenAsync();
        Assert.Equal(1, Volatile.Read(ref negotiations));
    }

    [ChromiumFact]
    public async Task GrantsTab_CountsTheGrantsInForce_OnceARead_ThatFailed_SucceedsAgain_WithoutAReconnect()
    {
        GrantsReadsFailOnPurpose();
        AddGrant();
        var storageUp = 0;
        var negotiations = 0;
        var page = await OpenAsync("alice", beforeLoad: async p =>
        {
            p.Request += (_, request) =>
            {
                if (request.Url.Contains("/hubs/approvals/negotiate", StringComparison.Ordinal)) Interlocked.Increment(ref negotiations);
            };
            await p.RouteAsync("**/api/grants", route => Volatile.Read(ref storageUp) == 1
                ? route.ContinueAsync()
                : route.FulfillAsync(new() { Status = 503, Body = "storage unavailable" }));
        });
        var unknown = page.GetByRole(AriaRole.Tab, new() { Name = "Grants, not known", Exact = true }).Locator(".count");
        await Expect(unknown).ToHaveAttributeAsync("title", "Not known: the grants in force could not be read");

        // Before, the tab said "?" until a grant was given or revoked somewhere, or the connection dropped.
        Volatile.Write(ref storageUp, 1);
        var tab = page.GetByRole(AriaRole.Tab, new() { Name = "Grants, 1 in force", Exact = true });
        await Expect(tab.Locator(".count")).ToHaveTextAsync("1", new() { Timeout = 15_000 });
        await tab.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "exchange_place_order" })).ToContainTextAsync("trader-bot");
        await Expect(page.GetByText("could not be read", new() { Exact = false })).ToBeHiddenAsync();
        Assert.Equal(1, Volatile.Read(ref negotiations));
    }

    [ChromiumFact]
    public async Task Revoke_IsOffAndSaysWhy_WhileThePageCannotReachTheGateway_AndOnAgainOnceItCan()
    {
        var revokes = 0;
        AddGrant();
        var (page, dropConnection) = await OpenWithDroppableConnectionAsync("alice", p =>
            p.RouteAsync("**/api/grants/*/revoke", route =>
            {
                Interlocked.Increment(ref revokes);
                return route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = "{}" });
            }));
        await page.GetByRole(AriaRole.Tab, new() { Name = "Grants, 1 in force", Exact = true }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "exchange_place_order" });
        var revoke = row.GetByRole(AriaRole.Button, new() { Name = "Revoke the grant for exchange_place_order to trader-bot", Exact = true });
        await Expect(revoke).ToBeEnabledAsync();
        await revoke.ClickAsync();
        var yes = row.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke the grant for exchange_place_order to trader-bot", Exact = true });
        await Expect(yes).ToBeEnabledAsync();

        // The gateway stops: the connection drops and every reconnect fails.
        await page.RouteAsync("**/hubs/approvals/negotiate**", route => route.AbortAsync());
        await dropConnection();

        // Before, Revoke stayed on for a grant that may have ended or been replaced meanwhile. The row stays in view, as
        // the pending cards do, and says why its Revoke is off.
        await Expect(yes).ToBeDisabledAsync();
        await Expect(yes).ToHaveAccessibleDescriptionAsync(RevokeOff);
        await Expect(page.GetByText("The gateway cannot be reached, so grants in force may be missing here and Revoke is off.")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "grants-offline");
        await yes.ClickAsync(new() { Force = true });
        var cancel = row.GetByRole(AriaRole.Button, new() { Name = "Cancel, keep the grant for exchange_place_order to trader-bot", Exact = true });
        await cancel.ClickAsync();
        await Expect(revoke).ToBeDisabledAsync();
        await Expect(revoke).ToBeFocusedAsync();
        await Expect(revoke).ToHaveAccessibleDescriptionAsync(RevokeOff);
        await revoke.ClickAsync(new() { Force = true });
        await Expect(row).Not.ToContainTextAsync("Revoke grant for");
        Assert.Equal(0, Volatile.Read(ref revokes));

        await page.UnrouteAsync("**/hubs/approvals/negotiate**");
        await Expect(revoke).ToBeEnabledAsync(new() { Timeout = 20_000 });
        await Expect(revoke).ToHaveAccessibleDescriptionAsync("");
    }

    /// <summary>One grant in force for a quarter of an hour, which <c>GET /api/grants</c> then lists.</summary>
    private void AddGrant()
    {
        var now = DateTimeOffset.UtcNow;
        _app.Grants.Add(new("trader-bot", "exchange", "exchange_place_order", now.AddMinutes(15), "apr-9", ["bob"], "orders-need-approval", now.AddMinutes(-1)));
    }
}
