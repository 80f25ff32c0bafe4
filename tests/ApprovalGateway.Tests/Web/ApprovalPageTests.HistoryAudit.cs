using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>The History and Audit tabs: what an approver looking back at decided calls and records sees.</summary>
public sealed partial class ApprovalPageTests
{
    [ChromiumFact]
    public async Task HistoryEntry_ShowsTheCallsArgumentsAndWhoAskedAndDecided_WhenOpenedWithTheKeyboard()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await _app.Approvals.DecideAsync("apr-1", new("carol", "U42"), approve: true, "Within today's limits", null, "slack", CancellationToken.None);
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });
        var detail = entry.Locator(".detail");

        // Before, History showed the tool, the outcome and the reason only: what had been approved was not to be seen.
        await entry.Locator("summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(entry.Locator("details")).ToHaveAttributeAsync("open", "");
        await Expect(detail.Locator("pre")).ToContainTextAsync("\"symbol\": \"BTCUSDT\"");
        await Expect(detail.Locator("pre")).ToContainTextAsync("\"apiKey\": ***");
        await Expect(detail.Locator("pre")).Not.ToContainTextAsync(ApprovalSamples.ApiKey);
        // The box takes the focus (to scroll it); before, a screen reader landing there said nothing of what it was on.
        await Expect(detail.GetByRole(AriaRole.Group, new() { Name = "Arguments of exchange_place_order from trader-bot", Exact = true }))
            .ToContainTextAsync("\"symbol\": \"BTCUSDT\"");
        await Expect(detail).ToContainTextAsync("sess-4c1d");
        await Expect(detail).ToContainTextAsync("orders-need-a-human");
        await Expect(detail).ToContainTextAsync("Critical · Financial · Moves money: places a live order on the exchange");
        await Expect(detail).ToContainTextAsync("carol approved (slack) at");
        await BrowserSession.ScreenshotAsync(page, "history-detail");

        // It stays open when the list is drawn again for another call's end.
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());
        _app.Approvals.Withdraw("apr-2", "the agent cancelled the call");
        await Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_cancel_order" })).ToBeVisibleAsync();
        await Expect(detail.Locator("pre")).ToContainTextAsync("\"symbol\": \"BTCUSDT\"");

        await entry.Locator("summary").ClickAsync();
        await Expect(detail).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task AuditRow_ShowsTheRecordsArgumentsSeqAndHash_WhenActivated()
    {
        var page = await OpenAsync("alice");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "exchange_withdraw" }).First;
        var detail = page.Locator("#audit-body .detail");

        // Before, a record's arguments, session, rule and place in the chain were in the CSV export only.
        await row.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(row).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(detail.Locator("pre")).ToContainTextAsync("\"symbol\": \"BTCUSDT\"");
        await Expect(detail.Locator("pre")).ToContainTextAsync("\"apiKey\": ***");
        await Expect(detail.GetByRole(AriaRole.Group, new() { Name = "Arguments of exchange_withdraw from " })).ToContainTextAsync("\"symbol\": \"BTCUSDT\"");
        await Expect(detail).ToContainTextAsync("sess-4c1d");
        await Expect(detail).ToContainTextAsync("never-withdraw: withdrawals are off");
        await Expect(detail).ToContainTextAsync(ApprovalSamples.AuditHash(3));
        await Expect(detail.Locator("dl")).ToContainTextAsync("Seq3Hash");
        await BrowserSession.ScreenshotAsync(page, "audit-detail");

        await page.Keyboard.PressAsync(" ");
        await Expect(row).ToHaveAttributeAsync("aria-expanded", "false");
        await Expect(detail).ToHaveCountAsync(0);

        await row.ClickAsync();
        await Expect(detail).ToHaveCountAsync(1);
    }

    [ChromiumFact]
    public async Task AuditRow_ShowsARejectedPolicyEditsFileAndHashes_AndThePolicyKeptInForce()
    {
        var rejected = new string('b', 64);
        var inForce = new string('a', 64);
        _app.Audit.Append(new AuditRecord(
            DateTimeOffset.UtcNow, null, "", "", "", null, "", "policy_rejected", "", "policy_rejected",
            "policy /etc/approval-gateway/policy.json rejected: line 3, column 12: hide: invalid glob", null, [], "", 0, 0, 0, 0)
        {
            Seq = 6,
            Hash = ApprovalSamples.AuditHash(6),
            PolicyPath = "/etc/approval-gateway/policy.json",
            PolicySha256 = rejected,
            PolicyInForceSha256 = inForce,
        });
        var page = await OpenAsync("alice");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "invalid glob" }).First;
        var facts = page.Locator("#audit-body .detail dl");

        await row.ClickAsync();

        // Before, the file and both hashes were only words in the reason.
        await Expect(facts).ToContainTextAsync("Policy file/etc/approval-gateway/policy.json");
        await Expect(facts).ToContainTextAsync($"Policy file SHA-256{rejected}");
        await Expect(facts).ToContainTextAsync($"Policy in force SHA-256{inForce}");
    }

    [ChromiumFact]
    public async Task AuditFilters_FindRecords_ByPartOfTheToolOrAgentName()
    {
        var page = await OpenAsync("alice");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var rows = page.Locator("#audit-body tr");
        await Expect(rows).ToHaveCountAsync(5);

        // Before, only a whole name found anything: "order" and "Trader" answered "No record matches these filters."
        await page.GetByLabel("Tool", new() { Exact = true }).FillAsync("order");
        await page.GetByLabel("Agent", new() { Exact = true }).FillAsync("Trader");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();

        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("exchange_place_order");
        await Expect(rows.Nth(1)).ToContainTextAsync("exchange_cancel_order");
    }

    [ChromiumFact]
    public async Task AuditTab_OffersRecordsWrittenWhileItIsOpen_AndShowsThemWhenAsked()
    {
        var page = await OpenAsync("alice");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var rows = page.Locator("#audit-body tr");
        await Expect(rows).ToHaveCountAsync(5);

        // Before, records written while the tab was open appeared only after pressing "Apply filters" again.
        _app.Audit.Append(ApprovalSamples.Record(6, DateTimeOffset.UtcNow, "trader-bot", "exchange_get_balance", "allowed", "forwarded", [], null));
        _app.Audit.Append(ApprovalSamples.Record(7, DateTimeOffset.UtcNow, "trader-bot", "exchange_get_ticker", "allowed", "forwarded", [], null));

        await Expect(page.Locator("#audit-new")).ToBeHiddenAsync();
        var offer = page.GetByRole(AriaRole.Button, new() { Name = "2 new records – show" });
        await Expect(offer).ToBeVisibleAsync();
        await Expect(rows).ToHaveCountAsync(5);
        await offer.ClickAsync();

        await Expect(rows).ToHaveCountAsync(7);
        await Expect(rows.First).ToContainTextAsync("exchange_get_ticker");
        await Expect(offer).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task HistoryAndAudit_FitA1280PixelWindow_WithLongValues()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 1280, Height = 800 });
        var longName = "exchange_" + string.Concat(Enumerable.Repeat("place_conditional_order_", 6));
        var longAgent = "portfolio-rebalancing-agent-" + new string('x', 60);
        var longReason = "rule-" + new string('r', 300);
        _app.Audit.Append(ApprovalSamples.Record(6, DateTimeOffset.UtcNow, longAgent, longName, "approval_required", "rejected", [longAgent], longReason));
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder(longAgent) with { Tool = longName });
        await _app.Approvals.DecideAsync("apr-1", new("carol", null), approve: false, longReason, null, "web", CancellationToken.None);

        // Before, a long agent name or reason pushed the History entries, and so the page, past the window's edge.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.Locator("#audit-body tr")).ToHaveCountAsync(6);
        Assert.True(await BrowserSession.FitsWidthAsync(page), "the Audit table overflows a 1280-pixel window");
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "rejected by carol" });
        await Expect(entry).ToBeVisibleAsync();
        Assert.True(await BrowserSession.FitsWidthAsync(page), "the History list overflows a 1280-pixel window");
        // The toast saying carol rejected it names the same tool and agent; before, it ran past the window's edge.
        var toast = page.Locator(".toast").Filter(new() { HasText = "carol rejected" });
        await Expect(toast).ToBeVisibleAsync();
        var box = await toast.BoundingBoxAsync();
        Assert.True(box is { } b && b.X + b.Width <= 1280, $"the toast ends at {box?.X + box?.Width} px, past the 1280-pixel window");

        await entry.Locator("summary").ClickAsync();
        await Expect(page.Locator("#history-list .detail")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "history-1280");
        Assert.True(await BrowserSession.FitsWidthAsync(page), "an open History entry overflows a 1280-pixel window");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        await page.Locator("#audit-body tr").First.ClickAsync();
        await Expect(page.Locator("#audit-body .detail")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "audit-1280");
        Assert.True(await BrowserSession.FitsWidthAsync(page), "an open audit record overflows a 1280-pixel window");
    }

    [ChromiumFact]
    public async Task AuditTable_ShowsOrdinaryAgentAndToolNamesWhole_NextToLongReasons_InA1280PixelWindow()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 1280, Height = 800 });
        var reason = string.Join(' ', Enumerable.Repeat("the agent's connection dropped and it did not come back", 4));
        _app.Audit.Append(ApprovalSamples.Record(6, DateTimeOffset.UtcNow, "anonymous", "BinanceWalletWithdraw", "approval_required", "withdrawn", [], reason));
        _app.Audit.Append(ApprovalSamples.Record(7, DateTimeOffset.UtcNow, "trader-bot", "BinanceSpotCancelOpenTWAPOrder", "invalid_request", "invalid_request", [], reason));

        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.Locator("#audit-body tr")).ToHaveCountAsync(7);

        // Before, every cell could break anywhere and the reasons took the room: "anony mous", "BinanceWallet Withdra w".
        await BrowserSession.ScreenshotAsync(page, "audit-names-1280");
        var rows = page.Locator("#audit-body tr");
        foreach (var (agent, tool) in new[] { ("anonymous", "BinanceWalletWithdraw"), ("trader-bot", "BinanceSpotCancelOpenTWAPOrder") })
        {
            var row = rows.Filter(new() { HasText = tool });
            Assert.Equal([agent], await LinesAsync(row.Locator("td.c-agent")));
            // A name too long for its line breaks between its words only.
            var lines = await LinesAsync(row.Locator("td.c-tool"));
            Assert.Equal(tool, string.Concat(lines));
            Assert.All(lines, line => Assert.True(char.IsUpper(line[0]), $"{tool} is broken mid-word: {string.Join(" | ", lines)}"));
        }

        Assert.True(await BrowserSession.FitsWidthAsync(page), "the Audit table overflows a 1280-pixel window");
    }

    [ChromiumFact]
    public async Task ToolsTable_FitsItsBox_OnADesktopAndATablet_WithALongCamelCaseToolName()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 1280, Height = 800 });
        const string Name = "BinanceSpotTimeWeightedAveragePriceNewOrder";
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tools" }).ClickAsync();
        var row = page.Locator("#tools-body tr").Filter(new() { HasText = Name });
        await Expect(row).ToBeVisibleAsync();

        // Before, the name took one unbroken line and the table scrolled sideways inside its box, Why half hidden; on a
        // tablet held upright (768 pixels) the badges that do not wrap did the same to Action.
        foreach (var width in new[] { 1280, 768 })
        {
            await page.SetViewportSizeAsync(width, 800);
            await BrowserSession.ScreenshotAsync(page, $"tools-{width}");
            var box = page.Locator("#tools-table").Locator("..");
            Assert.True(
                await box.EvaluateAsync<bool>("wrap => wrap.scrollWidth <= wrap.clientWidth"),
                $"the Tools table scrolls sideways inside its box in a {width}-pixel window");
            var lines = await LinesAsync(row.Locator("td.c-name"));
            Assert.Equal(Name, string.Concat(lines));
            Assert.All(lines, line => Assert.True(char.IsUpper(line[0]), $"{Name} is broken mid-word at {width} pixels: {string.Join(" | ", lines)}"));
        }
    }

    /// <summary>The text of each line the cell's text is laid out in, top to bottom.</summary>
    private static Task<string[]> LinesAsync(ILocator cell) => cell.EvaluateAsync<string[]>(
        """
        cell => {
          const byTop = new Map();
          const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (let i = 0; i < node.length; i++) {
              const range = document.createRange();
              range.setStart(node, i);
              range.setEnd(node, i + 1);
              const top = Math.round(range.getBoundingClientRect().top);
              byTop.set(top, (byTop.get(top) ?? "") + node.data[i]);
            }
          }
          return [...byTop.keys()].sort((a, b) => a - b).map(top => byTop.get(top));
        }
        """);

    [ChromiumFact]
    public async Task TabStrip_ShowsEveryTab_OnATablet()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 768, Height = 1024 });
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Pending, 1 call", Exact = true })).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "tabs-tablet");

        // Before, between phone and desktop widths the strip kept to one row beside the brand and Sign out, and Tools
        // and Audit were scrolled out of its sight with nothing to show they were there.
        foreach (var name in new[] { "Pending", "Grants", "History", "Tools", "Audit" })
        {
            var tab = page.GetByRole(AriaRole.Tab, new() { Name = name });
            await Expect(tab).ToBeInViewportAsync(new() { Ratio = 1 });
        }
    }

    [ChromiumFact]
    public async Task TabStrip_ShowsEveryTab_OnAPhone()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 });
        await BrowserSession.ScreenshotAsync(page, "tabs-phone");

        // Before, the strip ran off the right edge: Tools and Audit were out of sight and the page scrolled sideways.
        foreach (var name in new[] { "Pending", "Grants", "History", "Tools", "Audit" })
        {
            var tab = page.GetByRole(AriaRole.Tab, new() { Name = name });
            await Expect(tab).ToBeInViewportAsync(new() { Ratio = 1 });
        }

        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.Locator("#audit-body tr")).ToHaveCountAsync(5);
        Assert.True(await BrowserSession.FitsWidthAsync(page), "the Audit tab overflows a 390-pixel window");
    }

    [ChromiumFact]
    public async Task ToolsAndAudit_ShowTheToolItsRiskDecisionAndTime_OnAPhone()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 });

        // Before, both tables scrolled sideways inside their box: risk, action, decision and outcome began past 390 px.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tools" }).ClickAsync();
        var tool = page.Locator("#tools-body tr").Filter(new() { HasText = "exchange_place_order" });
        await Expect(tool).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "tools-phone");
        foreach (var (column, name) in new[] { (0, "tool"), (2, "risk"), (3, "action") })
        {
            await BrowserSession.AssertWithinAsync(tool.Locator("td").Nth(column), 390, $"the Tools tab's {name}");
        }

        Assert.True(await BrowserSession.FitsWidthAsync(page), "the Tools tab overflows a 390-pixel window");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var record = page.Locator("#audit-body tr").Filter(new() { HasText = "exchange_withdraw" });
        await Expect(record).ToBeVisibleAsync();
        foreach (var (column, name) in new[] { (0, "time"), (2, "tool"), (3, "decision"), (4, "outcome") })
        {
            await BrowserSession.AssertWithinAsync(record.Locator("td").Nth(column), 390, $"the Audit tab's {name}");
        }

        await record.ClickAsync();
        var detail = page.Locator("#audit-body .detail");
        await Expect(detail).ToContainTextAsync("never-withdraw: withdrawals are off");
        await BrowserSession.ScreenshotAsync(page, "audit-phone");
        await BrowserSession.AssertWithinAsync(detail, 390, "an open audit record");
        Assert.True(await BrowserSession.FitsWidthAsync(page), "the Audit tab overflows a 390-pixel window");
    }

    [ChromiumFact]
    public async Task AuditRecord_SaysHowLongTheCallWaitedAndTook_InMinutesAndSeconds()
    {
        var page = await OpenAsync("alice");
        _app.Audit.Append(ApprovalSamples.Record(6, DateTimeOffset.UtcNow, "ci-bot", "exchange_place_order", "approval_required", "forwarded", ["bob"], null)
            with { PolicyMilliseconds = 0.2, WaitMilliseconds = 183_452, UpstreamMilliseconds = 4_210, TotalMilliseconds = 3_903_700 });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();

        await page.Locator("#audit-body tr").Filter(new() { HasText = "ci-bot" }).ClickAsync();

        // Before, "0.2 ms / 183,452 ms / 4,210 ms / 3,903,700 ms".
        var timings = page.Locator("#audit-body .detail dd").Filter(new() { HasText = " / " });
        await Expect(timings).ToHaveTextAsync("<1 ms / 3 min 3 s / 4.2 s / 1 h 5 min");
        await Expect(timings.Locator("[title='183,452 ms']")).ToHaveTextAsync("3 min 3 s");
    }

    [ChromiumFact]
    public async Task HistoryEntry_SaysTheApprovalAlsoGaveAGrant_AndUntilWhen()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await _app.Approvals.DecideAsync("apr-1", new("carol", null), approve: true, null, grantMinutes: 15, "web", CancellationToken.None);
        var until = _app.Approvals.Get("apr-1")!.ResolvedAt!.Value.AddMinutes(15).UtcDateTime;

        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });

        // Before, it read "approved by carol" alone: nothing said trader-bot's next orders would go through unasked.
        await Expect(entry.Locator("summary")).ToContainTextAsync($"approved by carol · trader-bot on exchange · + grant for 15 min, until {until:HH:mm:ss} UTC");
        await entry.Locator("summary").ClickAsync();
        await Expect(entry.Locator(".detail")).ToContainTextAsync(
            "trader-bot's calls of exchange_place_order on exchange under rule orders-need-a-human, any arguments, go through without asking");
    }

    [ChromiumFact]
    public async Task HistoryEntryAndToast_SayTheApprovalGaveNoGrant_WhenThePolicyInForceNoLongerOffersGrants()
    {
        const string Why = "rule orders-need-a-human no longer offers time-boxed grants";
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.GrantLimit = new GrantLimit(0, Why);
        var card = Card(page, "exchange_place_order");
        await card.GetByLabel("Also allow for").SelectOptionAsync("15");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.Locator("#toasts")).ToContainTextAsync($"Approved by alice (no time-boxed grant: {Why})");
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });

        // Before, it read "approved by alice" alone: nothing said the grant she asked for was not given, nor why.
        await Expect(entry.Locator("summary")).ToContainTextAsync($"approved by alice · trader-bot on exchange · no time-boxed grant: {Why}");
        await entry.Locator("summary").ClickAsync();
        await Expect(entry.Locator(".detail")).ToContainTextAsync($"no time-boxed grant: {Why}");
        await BrowserSession.ScreenshotAsync(page, "history-no-grant");
    }

    [ChromiumFact]
    public async Task HistoryEntry_SaysTheGrantIsShorterThanAskedFor_AndWhy_WhenThePolicyInForceAllowsLess()
    {
        const string Why = "rule orders-need-a-human now allows grants of at most 5 minutes";
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.GrantLimit = new GrantLimit(5, Why);
        await _app.Approvals.DecideAsync("apr-1", new("carol", null), approve: true, null, grantMinutes: 15, "web", CancellationToken.None);
        var until = _app.Approvals.Get("apr-1")!.ResolvedAt!.Value.AddMinutes(5).UtcDateTime;

        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });

        // Before, "+ grant for 5 min" with nothing to say carol had asked for 15 and why she got less.
        await Expect(entry.Locator("summary")).ToContainTextAsync(
            $"approved by carol · trader-bot on exchange · + grant for 5 min, until {until:HH:mm:ss} UTC: {Why}");
        await entry.Locator("summary").ClickAsync();
        await Expect(entry.Locator(".detail")).ToContainTextAsync($"go through without asking (less than asked for: {Why})");
    }
}
