using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// What a screen reader (VoiceOver, TalkBack) gives an approver on the page: cards and their buttons named by the call
/// they act on, one polite voice for what changes, and focus that stays on a call after one goes.
/// </summary>
public sealed partial class ApprovalPageTests
{
    [ChromiumFact]
    public async Task Cards_AreNamedByTheirToolAndAgent_AsAreTheControlsThatDecideThem_OnAPhoneAndADesktop()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.PlaceOrder("research-bot"));
        await CardsAreNamedAsync(await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 }));
        await CardsAreNamedAsync(await OpenAsync("alice"));
    }

    private static async Task CardsAreNamedAsync(IPage page)
    {
        // Two calls of one tool: before, both cards were "exchange_place_order" with an "Approve" and a timer that a
        // screen reader read as a time of day ("5:00"); now each says whose call it is wherever it is reached from.
        var card = page.GetByRole(AriaRole.Article, new() { Name = "exchange_place_order from research-bot", Exact = true });
        await Expect(card).ToMatchAriaSnapshotAsync("""
            - article "exchange_place_order from research-bot":
              - checkbox "Select exchange_place_order from research-bot to reject"
              - heading "exchange_place_order from research-bot" [level=2]
              - text: Critical risk · Financial
              - timer /^Time left to decide. \d+ min( \d+ s)?$/
              - term: Agent
              - definition: research-bot
              - heading "Arguments" [level=3]
              - group "Arguments of exchange_place_order from research-bot":
                - text: /"symbol".*"BTCUSDT".*\*\*\* \(masked secret\)/
              - button "Approve exchange_place_order from research-bot"
              - button "Reject exchange_place_order from research-bot"
            """);
        // Before, the box was read as "Select exchange_place_order from research-bot to reject", then "Select" again
        // from the visible word beside it.
        Assert.Equal("""
            - checkbox "Select exchange_place_order from research-bot to reject"
            - heading "exchange_place_order from research-bot" [level=2]
            - text: Critical risk · Financial
            """, await card.Locator(".card-title").AriaSnapshotAsync());
        // The arguments take the focus so the keyboard can scroll them; before, a screen reader landing there said
        // nothing of what it was on.
        var args = card.GetByRole(AriaRole.Group, new() { Name = "Arguments of exchange_place_order from research-bot", Exact = true });
        await args.FocusAsync();
        await Expect(args).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "exchange_place_order from trader-bot", Exact = true })
            .GetByRole(AriaRole.Button, new() { Name = "Approve exchange_place_order from trader-bot", Exact = true })).ToBeVisibleAsync();
        // The countdown changes every second and must never speak: no live region holds it.
        Assert.True(await card.GetByRole(AriaRole.Timer).EvaluateAsync<bool>(
            "el => el.getAttribute('aria-live') === 'off' && !el.parentElement.closest('[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]')"));
    }

    [ChromiumFact]
    public async Task PendingTab_SaysItsCountOnce_InWords_AndStillShowsItsBadge()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var page = await OpenAsync("alice");

        // Before, the tab's text and its badge's own name were read together: "Pending 1 pending".
        await Expect(page.GetByRole(AriaRole.Tablist)).ToMatchAriaSnapshotAsync("""
            - tablist "Views":
              - tab "Pending, 1 call" [selected]
              - tab "Grants, 0 in force"
              - tab "History"
              - tab "Tools"
              - tab "Audit"
            """);
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());
        var pending = page.GetByRole(AriaRole.Tab, new() { Name = "Pending, 2 calls", Exact = true });
        await Expect(pending).ToBeVisibleAsync();
        await Expect(pending.Locator(".count")).ToHaveTextAsync("2");
    }

    [ChromiumFact]
    public async Task CallsThatArriveOrAreDecidedElsewhere_AreSaidOncePolitely_NamingTheCallAndWhoDecided()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 });
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(page.Locator("#announcer")).ToContainTextAsync("New approval request: exchange_place_order from trader-bot, critical risk.");

        await _app.Approvals.DecideAsync("apr-1", new("carol", "U42"), approve: true, null, null, "slack", CancellationToken.None);

        // Before, the polite announcer said "exchange_place_order approved by carol." while an assertive toast
        // interrupted it with the same news: heard twice, the first time cut off.
        await Expect(page.Locator("#announcer")).ToContainTextAsync("carol approved exchange_place_order for trader-bot.");
        await Expect(page.Locator("[aria-live=assertive]")).ToHaveCountAsync(0);
        var spoken = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('[aria-live=polite], [role=status], [role=alert], [role=log]')].map(r => r.textContent)");
        Assert.Single(spoken, text => text.Contains("approved exchange_place_order", StringComparison.Ordinal));
    }

    [ChromiumFact]
    public async Task AnotherEnter_AfterDecidingWithTheKeyboard_DoesNotApproveTheNextCall()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 });
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());
        var first = Card(page, "exchange_cancel_order");
        await first.GetByLabel("Reason").FillAsync("Keep that order");
        await first.GetByRole(AriaRole.Button, new() { Name = "Reject" }).FocusAsync();

        await page.Keyboard.PressAsync("Enter");
        await Expect(first).ToHaveCountAsync(0);
        // Once, disabling the pressed button dropped focus to <body>, and the approver tabbed through the header again.
        // Then focus landed on the next card's Approve button, and this Enter approved a call nobody had read.
        var next = Card(page, "exchange_place_order");
        await Expect(next).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");

        await Expect(next.GetByRole(AriaRole.Checkbox)).ToBeFocusedAsync();
        Assert.Single(_app.Recorder.DecisionBodies);
    }

    [ChromiumFact]
    public async Task Approving_ACallTheGatewayNoLongerKnows_IsSaidOnce()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = page.GetByRole(AriaRole.Article);
        await Expect(card).ToBeVisibleAsync();
        _app.Approvals.ForgetQuietly("apr-1");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        // Before, the announcer said "… is no longer waiting" while an assertive toast said it in other words.
        await Expect(page.Locator("#announcer")).ToContainTextAsync("exchange_place_order: the gateway no longer knows this call");
        await Expect(page.Locator("#announcer")).Not.ToContainTextAsync("is no longer waiting");
    }
}
