using System.Collections.Concurrent;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>The live page driven like an approver would: no reloads, buttons found by their accessible names.</summary>
public sealed partial class ApprovalPageTests : IAsyncLifetime
{
    private WebTestApp _app = null!;
    private BrowserSession _browser = null!;

    // Reads of the grant list that failed, on any page a test opened: unless a test fails them on purpose, a failure
    // is one the page then retries in the background, and its failure text could stand in for the one a test awaits.
    private readonly ConcurrentQueue<string> _failedGrantsReads = new();
    private bool _grantsReadsFailOnPurpose;

    public async Task InitializeAsync()
    {
        _app = await WebTestApp.StartAsync();
        _browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _app.DisposeAsync();
        if (!_grantsReadsFailOnPurpose)
        {
            Assert.Empty(_failedGrantsReads);
        }
    }

    [ChromiumFact]
    public async Task PendingApproval_AppearsWithCountdownAndMaskedSecrets_WhenPushedWithoutReload()
    {
        var page = await OpenAsync("alice");
        await Expect(page.GetByText("Nothing waiting.")).ToBeVisibleAsync();

        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder(), TimeSpan.FromSeconds(50));

        var card = Card(page, "exchange_place_order");
        await Expect(card).ToBeVisibleAsync();
        await Expect(card.GetByRole(AriaRole.Timer)).ToHaveTextAsync(Countdown());
        await Expect(card.GetByText("Critical risk · Financial")).ToBeVisibleAsync();
        await Expect(card.GetByText("Moves money: places a live order on the exchange")).ToBeVisibleAsync();
        await Expect(card.Locator("pre")).ToContainTextAsync("\"apiKey\": ***");
        await Expect(card.Locator("pre")).Not.ToContainTextAsync(ApprovalSamples.ApiKey);
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Show all" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Pending" })).ToContainTextAsync("2");
        await Expect(page.Locator("#announcer")).ToContainTextAsync("New approval request: exchange_place_order from trader-bot, critical risk.");
        // The one closest to its deadline comes first.
        await Expect(page.GetByRole(AriaRole.Article).First).ToHaveAccessibleNameAsync("exchange_cancel_order from trader-bot");
        await BrowserSession.ScreenshotAsync(page, "pending");

        var phone = await OpenAsync("alice", new ViewportSize { Width = 390, Height = 844 });
        await Expect(Card(phone, "exchange_place_order")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(phone, "pending-phone");
    }

    [ChromiumFact]
    public async Task PendingApproval_ShowsHiddenCharactersAsEscapesAndWarns_WhenArgumentsContainThem()
    {
        var page = await OpenAsync("alice");

        _app.Approvals.Add("apr-1", ApprovalSamples.DisguisedWithdrawal());
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());

        var card = Card(page, "exchange_withdraw");
        var arguments = card.Locator("pre");
        await Expect(arguments).ToContainTextAsync(@"""address"": ""bc1q\u202Erekcatta\u202C""");
        await Expect(arguments).ToContainTextAsync(@"""amount"": ""1\u200B0\u200B0""");
        await Expect(arguments).ToContainTextAsync("\"memo\": \"付款给供应商 دفع للمورد\"");
        Assert.DoesNotContain('\u202e', await arguments.TextContentAsync() ?? "");
        // The folded part of a long value counts too: the warning names U+2066 before anyone unfolds it.
        await Expect(card.GetByRole(AriaRole.Note)).ToHaveTextAsync(
            "The arguments contain invisible or direction-changing characters (U+200B, U+202C, U+202E, U+2066, U+E0100, U+E0101), shown highlighted as \\u escapes.");
        await Expect(arguments).ToContainTextAsync(@"""tag"": ""ok\uDB40\uDD00\uDB40\uDD01""");
        await BrowserSession.ScreenshotAsync(page, "hidden-characters");
        await card.GetByRole(AriaRole.Button, new() { Name = "Show all" }).ClickAsync();
        await Expect(arguments).ToContainTextAsync(@"..\u2066""");
        await Expect(Card(page, "exchange_cancel_order").GetByRole(AriaRole.Note)).ToHaveCountAsync(0);
    }

    [ChromiumFact]
    public async Task PendingApproval_ListsWhereTheArgumentsDoNotMatchTheToolsSchema()
    {
        var page = await OpenAsync("alice");

        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder() with
        {
            ArgumentProblems = ["quantity: Value is \"string\" but should be \"number\"", "dryRun: the tool declares no such parameter"],
        });
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());

        var note = Card(page, "exchange_place_order").GetByRole(AriaRole.Note);
        await Expect(note).ToContainTextAsync("The arguments do not match the tool's input schema, so the upstream may refuse them:");
        await Expect(note.GetByRole(AriaRole.Listitem)).ToHaveTextAsync(
            ["quantity: Value is \"string\" but should be \"number\"", "dryRun: the tool declares no such parameter"]);
        await Expect(Card(page, "exchange_cancel_order").GetByRole(AriaRole.Note)).ToHaveCountAsync(0);
    }

    [ChromiumFact]
    public async Task Approve_SendsTheDecisionAndMovesItToHistory_OnEveryOpenPage()
    {
        var alice = await OpenAsync("alice");
        var bob = await OpenAsync("bob");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(Card(bob, "exchange_place_order")).ToBeVisibleAsync();

        await Card(alice, "exchange_place_order").GetByLabel("Reason").FillAsync("Within today's limits");
        await Card(alice, "exchange_place_order").GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(Card(alice, "exchange_place_order")).ToHaveCountAsync(0);
        await Expect(Card(bob, "exchange_place_order")).ToHaveCountAsync(0);
        var body = Assert.Single(_app.Recorder.DecisionBodies);
        Assert.Contains("\"decision\":\"approve\"", body, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"Within today's limits\"", body, StringComparison.Ordinal);
        var vote = Assert.Single(_app.Approvals.Get("apr-1")!.Votes);
        Assert.Equal(("alice", "web"), (vote.Approver, vote.Channel));

        await bob.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var item = bob.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });
        await Expect(item).ToContainTextAsync("approved by alice");
        await Expect(item).ToContainTextAsync("Within today's limits");
        await BrowserSession.ScreenshotAsync(bob, "history");
    }

    [ChromiumFact]
    public async Task Card_TellsTheAgentsOwner_TheyMayOnlyReject_AndLeavesTheCallOutOfTheirCount()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder() with
        {
            AgentOwner = "alice",
            Settings = ApprovalSettings.Default with { AllowSelfApproval = false },
        });
        var card = Card(page, "exchange_place_order");

        // Before, the card offered Approve and only a click said the owner could not; the title counted it as hers.
        await Expect(card.GetByRole(AriaRole.Note)).ToHaveTextAsync(
            "You own agent trader-bot: rule orders-need-a-human lets you reject its calls but not approve them.");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Reject" })).ToBeEnabledAsync();
        await Expect(page).Not.ToHaveTitleAsync(new Regex(@"^\(\d+\)"));
    }

    [ChromiumFact]
    public async Task Approving_ACallThatNeedsTwo_SaysItCounted_WithoutAnError()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder() with { Settings = ApprovalSettings.Default with { Approvals = 2 } });
        var card = Card(page, "exchange_place_order");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        // Before, "Approval by alice counted: 1 of 2 approvals" in the red error style, and Approve stayed on for a
        // second click the gateway refused.
        await Expect(card.GetByRole(AriaRole.Note)).ToHaveTextAsync("You approved this call; it waits for 1 more approver. You may still reject it.");
        await Expect(card.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToBeDisabledAsync();
    }

    [ChromiumFact]
    public async Task Reject_AsksForAReasonFirst_ThenSendsIt()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");

        await card.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Alert)).ToContainTextAsync("Say why you reject it");
        await Expect(card.GetByLabel("Reason")).ToBeFocusedAsync();
        Assert.Empty(_app.Recorder.DecisionBodies);

        await page.Keyboard.TypeAsync("Order size is above the daily limit");
        await card.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();

        await Expect(card).ToHaveCountAsync(0);
        Assert.Equal("Order size is above the daily limit", _app.Approvals.Get("apr-1")!.Reason);
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" })).ToContainTextAsync("rejected by alice");
    }

    [ChromiumFact]
    public async Task EnterInTheReasonBox_DecidesNothing()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");

        // Before, Enter in the empty box approved the call, and with text in it rejected it: a critical call decided by
        // an approver who had only clicked into the box to write a rejection.
        await card.GetByLabel("Reason").PressAsync("Enter");
        await card.GetByLabel("Reason").FillAsync("checked with the desk, fine");
        await card.GetByLabel("Reason").PressAsync("Enter");
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(card).ToHaveCountAsync(0);
        Assert.Equal(ApprovalStatus.Approved, _app.Approvals.Get("apr-1")!.Status);
        Assert.Single(_app.Recorder.DecisionBodies);
    }

    [ChromiumFact]
    public async Task PointerClick_IsNotCounted_RightAfterACallMovedTheCards_AKeyPressIs()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder(), TimeSpan.FromMinutes(4));
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        // Time stands still on the page from here, so the click below falls inside the guard however slow the machine is.
        await page.Clock.SetFixedTimeAsync(DateTime.UtcNow);
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder(), TimeSpan.FromSeconds(50));
        var moved = Card(page, "exchange_cancel_order");
        await Expect(page.GetByRole(AriaRole.Article).First).ToHaveAccessibleNameAsync("exchange_cancel_order from trader-bot");

        // Before, a click meant for the place_order card approved cancel_order, which had just slid under the pointer.
        await moved.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.Locator("#toasts")).ToContainTextAsync("The list just changed under the pointer, so that click was not counted");
        Assert.Empty(_app.Recorder.DecisionBodies);

        await moved.GetByRole(AriaRole.Button, new() { Name = "Approve" }).PressAsync("Enter");
        await Expect(moved).ToHaveCountAsync(0);
        Assert.Equal(ApprovalStatus.Approved, _app.Approvals.Get("apr-2")!.Status);
    }

    [ChromiumFact]
    public async Task PendingList_SaysItCannotBeShown_WhileThePageReconnects()
    {
        var (page, dropConnection) = await OpenWithDroppableConnectionAsync("alice");
        await Expect(page.GetByText("Nothing waiting.")).ToBeVisibleAsync();
        await Expect(PendingTab(page, "Pending, 0 calls", "0")).ToBeVisibleAsync();

        // The gateway stops: the connection drops and every reconnect fails.
        await page.RouteAsync("**/hubs/approvals/negotiate**", route => route.AbortAsync());
        await dropConnection();

        // Before, "Nothing waiting." stayed for as long as the page kept reconnecting, which is for ever.
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Reconnecting" })).ToBeVisibleAsync();
        await Expect(page.GetByText("The gateway cannot be reached, so calls waiting for you may be missing here.")).ToBeVisibleAsync();
        await Expect(page.GetByText("Nothing waiting.")).ToBeHiddenAsync();
        // Before, the tab still said "Pending, 0 calls" with a 0 badge.
        await Expect(PendingTab(page, "Pending, not known", "?")).ToHaveAttributeAsync(
            "title", "Not known: the gateway cannot be reached, so the calls waiting may be missing here");
    }

    [ChromiumFact]
    public async Task PendingTab_SaysNotKnown_WhenTheListCannotBeReadOnReconnecting()
    {
        var (page, dropConnection) = await OpenWithDroppableConnectionAsync("alice");
        await Expect(page.GetByText("Nothing waiting.")).ToBeVisibleAsync();
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        // The hub comes back but the list cannot be read (storage down): the page goes on live with what it had.
        await page.RouteAsync("**/api/approvals**", route => route.FulfillAsync(new() { Status = 503, Body = "storage unavailable" }));
        await dropConnection();
        await Expect(page.GetByText("The calls waiting for you could not be read (", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();

        // Before, the tab went on counting "Pending, 1 call" as if the list were whole: calls held while the page was
        // away would be missing from it unsaid.
        await Expect(PendingTab(page, "Pending, not known", "?")).ToHaveAttributeAsync("title", "Not known: the calls waiting could not be read");
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();
    }

    [ChromiumFact]
    public async Task GrantsTab_SaysNotKnown_AndItsViewSaysSo_WhenTheGrantListCannotBeRead()
    {
        // Every read of the grant list fails, as when the gateway's storage is down.
        GrantsReadsFailOnPurpose();
        var page = await OpenAsync("alice", beforeLoad: p => p.RouteAsync("**/api/grants", route => route.FulfillAsync(new()
        {
            Status = 503,
            ContentType = "application/json",
            Body = """{"message":"Approval storage unreachable (connection refused)"}""",
        })));

        // Before, "Grants, 0 in force" and a 0 badge: no grant letting calls through, when the page had read none.
        var tab = page.GetByRole(AriaRole.Tab, new() { Name = "Grants, not known", Exact = true });
        await Expect(tab.Locator(".count")).ToHaveTextAsync("?");
        await Expect(tab.Locator(".count")).ToHaveAttributeAsync("title", "Not known: the grants in force could not be read");

        await tab.ClickAsync();
        await Expect(page.GetByText("The grants in force could not be read (Approval storage unreachable (connection refused)), so calls may be going through without asking under grants not listed here.")).ToBeVisibleAsync();
        await Expect(page.GetByText("No grant in force.")).ToBeHiddenAsync();
    }

    [ChromiumFact]
    public async Task DecisionMadeInSlack_RemovesTheItemFromAnOpenPage()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        await _app.Approvals.DecideAsync("apr-1", new("carol", "U42"), approve: true, null, null, "slack", CancellationToken.None);

        await Expect(Card(page, "exchange_place_order")).ToHaveCountAsync(0);
        // Before, only the screen reader's announcer said why the card went; on screen it just vanished.
        await Expect(page.Locator("#toasts")).ToContainTextAsync("carol approved exchange_place_order for trader-bot.");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Pending" })).ToContainTextAsync("0");
    }

    /// <summary>A call a grant released while it waited had no vote: the page names the grant and who gave it.</summary>
    [ChromiumFact]
    public async Task CallReleasedByAGrant_SaysSoOnThePage_WhenItsCardGoes()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        _app.Approvals.ReleaseByGrant("apr-1", new GrantRelease("apr-0", ["carol"], DateTimeOffset.UtcNow.AddMinutes(15)));

        await Expect(Card(page, "exchange_place_order")).ToHaveCountAsync(0);
        await Expect(page.Locator("#toasts")).ToContainTextAsync("The time-boxed grant of carol released exchange_place_order for trader-bot.");
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });
        await Expect(entry.Locator("summary")).ToContainTextAsync("released by the time-boxed grant of carol · trader-bot on exchange");
    }

    /// <summary>Slack and the audit CSV say UTC; the page's local times say their zone, so approvers can compare them.</summary>
    [ChromiumFact]
    public async Task Times_SayTheirTimeZone()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());

        await Expect(Card(page, "exchange_place_order").Locator("time")).ToHaveTextAsync(new Regex(@"^\d\d:\d\d:\d\d UTC$"));
    }

    /// <summary>The gateway withdraws calls itself (shutting down, an instance lost): the page must not blame the agent.</summary>
    [ChromiumFact]
    public async Task Withdrawal_ByTheGateway_IsNotAttributedToTheAgent()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();

        _app.Approvals.Withdraw("apr-1", ApprovalText.ShuttingDownReason);

        await Expect(page.Locator("#announcer")).ToContainTextAsync("exchange_place_order for trader-bot: withdrawn before a decision.");
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var entry = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" });
        await Expect(entry).ToContainTextAsync("Gateway shutting down");
        await Expect(entry).Not.ToContainTextAsync("by the agent");
    }

    [ChromiumFact]
    public async Task Approve_ShowsWhoDecidedFirst_WhenTheGatewayAnswersConflict()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");
        await Expect(card).ToBeVisibleAsync();
        _app.Approvals.ResolveQuietly("apr-1", "carol", approve: false, "Too large");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        // Before, "Already rejected by carol.": which call, and whose, the toast did not say.
        await Expect(page.Locator(".toast")).ToHaveTextAsync("carol rejected exchange_place_order for trader-bot first; your approval was not counted.");
        await Expect(card).ToHaveCountAsync(0);
    }

    /// <summary>A gateway restarted on the in-memory queue knows none of the calls an open page still shows.</summary>
    [ChromiumFact]
    public async Task PendingCall_LeavesThePage_WhenTheGatewayNoLongerKnowsItOnReconnect()
    {
        var (page, dropConnection) = await OpenWithDroppableConnectionAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");
        await Expect(card).ToBeVisibleAsync();
        _app.Approvals.ForgetQuietly("apr-1");

        // The page's connection drops, as when the gateway stops; it reconnects on its own.
        await dropConnection();

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(card).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Pending" })).ToContainTextAsync("0");
        await Expect(page.Locator("#announcer")).ToContainTextAsync("exchange_place_order from trader-bot is no longer waiting");
    }

    [ChromiumFact]
    public async Task PendingList_SaysItCannotBeShown_RatherThanNothingWaiting_WhileTheGatewayCannotBeReached()
    {
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var page = await OpenAsync("alice", beforeLoad: p => p.RouteAsync("**/hubs/approvals/negotiate**", route => route.AbortAsync()), untilLive: false);

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Offline" })).ToBeVisibleAsync();

        // Before, "Nothing waiting." while a call waited: an approver took a page that could not reach the gateway for a quiet day.
        await Expect(page.GetByText("The gateway cannot be reached, so calls waiting for you may be missing here.")).ToBeVisibleAsync();
        await Expect(page.GetByText("Nothing waiting.")).ToBeHiddenAsync();
        await BrowserSession.ScreenshotAsync(page, "pending-offline");

        // The page retries every 5 s on its own.
        // Before, the tab said "Pending, 0 calls" with a 0 badge while that call waited.
        await Expect(PendingTab(page, "Pending, not known", "?")).ToBeVisibleAsync();

        await page.UnrouteAllAsync();
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(page.GetByText("The gateway cannot be reached", new() { Exact = false })).ToBeHiddenAsync();
        await Expect(PendingTab(page, "Pending, 1 call", "1")).Not.ToHaveAttributeAsync("title", new Regex("."));
    }

    [ChromiumFact]
    public async Task Approve_TellsTheApproverAndRemovesTheCall_WhenTheGatewayNoLongerKnowsIt()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");
        await Expect(card).ToBeVisibleAsync();
        _app.Approvals.ForgetQuietly("apr-1");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(page.Locator(".toast")).ToContainTextAsync("the gateway no longer knows this call");
        await Expect(card).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "exchange_place_order" })).ToContainTextAsync("can no longer be decided");
    }

    [ChromiumFact]
    public async Task Approve_ShowsTheRefusal_WhenTheApproverMayNotDecide()
    {
        _app.Approvals.NotAllowed.Add("olivia");
        var page = await OpenAsync("olivia");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        var card = Card(page, "exchange_place_order");

        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();

        await Expect(card.GetByRole(AriaRole.Alert)).ToHaveTextAsync("olivia owns agent trader-bot and may not approve its calls.");
        await Expect(card).ToBeVisibleAsync();
    }

    [ChromiumFact]
    public async Task Title_CountsTheCallsWaitingForThisApprover_AsTheyAreHeldAndDecided()
    {
        var page = await OpenAsync("alice");
        await Expect(page).ToHaveTitleAsync("Approvals · Approval Gateway");

        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        await Expect(page).ToHaveTitleAsync("(1) Approvals · Approval Gateway");

        // Only bob may decide the cancel: alice's page lists it, but it is not waiting for her.
        _app.Approvals.Add("apr-2", ApprovalSamples.OnlyFor(ApprovalSamples.CancelOrder(), "bob"));
        _app.Approvals.Add("apr-3", ApprovalSamples.DisguisedWithdrawal());
        await Expect(Card(page, "exchange_withdraw")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Pending" })).ToContainTextAsync("3");
        await Expect(page).ToHaveTitleAsync("(2) Approvals · Approval Gateway");

        await _app.Approvals.DecideAsync("apr-1", new("carol", "U42"), approve: true, null, null, "slack", CancellationToken.None);
        await Expect(page).ToHaveTitleAsync("(1) Approvals · Approval Gateway");
        var bob = await OpenAsync("bob");
        await Expect(bob).ToHaveTitleAsync("(2) Approvals · Approval Gateway");
    }

    [ChromiumFact]
    public async Task NotifyMe_ShowsOneNotificationPerNewCallThisApproverMayDecide_AndAReloadDoesNotReplayIt()
    {
        _app.Approvals.Add("apr-0", ApprovalSamples.CancelOrder());
        var page = await OpenAsync("alice", beforeLoad: RecordNotificationsAsync);
        await Expect(Card(page, "exchange_cancel_order")).ToBeVisibleAsync();
        await page.GetByLabel("Notify me").CheckAsync();

        // Not for bob's call, which alice may not decide; one for the call she may, held after the page opened.
        _app.Approvals.Add("apr-1", ApprovalSamples.OnlyFor(ApprovalSamples.DisguisedWithdrawal(), "bob"));
        _app.Approvals.Add("apr-2", ApprovalSamples.PlaceOrder());
        await Expect(Card(page, "exchange_place_order")).ToBeVisibleAsync();
        Assert.Equal(["Approval needed: exchange_place_order | trader-bot · Critical risk"], await NotificationsAsync(page));

        // Clicking it brings the approver to the card, from whichever tab they were on.
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await page.EvaluateAsync("() => window.__notifications[0].onclick()");
        await Expect(Card(page, "exchange_place_order")).ToBeFocusedAsync();

        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Notify me")).ToBeCheckedAsync();
        _app.Approvals.Add("apr-3", ApprovalSamples.PlaceOrder("research-bot") with { Tool = "exchange_transfer" });
        await Expect(Card(page, "exchange_transfer")).ToBeVisibleAsync();
        Assert.Equal(["Approval needed: exchange_transfer | research-bot · Critical risk"], await NotificationsAsync(page));
    }

    [ChromiumFact]
    public async Task RejectSelected_RejectsEachCallAndSaysWhichWereNot_WhenSomeoneElseDecidedOneFirst()
    {
        var page = await OpenAsync("alice");
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());
        _app.Approvals.Add("apr-3", ApprovalSamples.PlaceOrder("research-bot") with { Tool = "exchange_transfer" });
        await Expect(Card(page, "exchange_transfer")).ToBeVisibleAsync();

        await Card(page, "exchange_place_order").GetByRole(AriaRole.Button, new() { Name = "Select all from trader-bot" }).ClickAsync();
        await Expect(Card(page, "exchange_cancel_order").GetByRole(AriaRole.Checkbox)).ToBeCheckedAsync();
        await Expect(Card(page, "exchange_transfer").GetByRole(AriaRole.Checkbox)).Not.ToBeCheckedAsync();
        _app.Approvals.ResolveQuietly("apr-1", "carol", approve: true, "fine by the desk");

        var bulk = page.GetByRole(AriaRole.Form, new() { Name = "Reject the selected calls" });
        await bulk.GetByLabel("Reason for the selected calls").FillAsync("trader-bot is looping");
        await BrowserSession.ScreenshotAsync(page, "reject-selected");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Reject 2 selected" }).ClickAsync();

        var notRejected = page.GetByRole(AriaRole.List, new() { Name = "Not rejected" });
        await Expect(notRejected).ToContainTextAsync("exchange_place_order from trader-bot");
        await Expect(notRejected).ToContainTextAsync("Already approved by carol.");
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { Has = notRejected })).ToContainTextAsync("1 of 2 selected calls rejected.");
        var rejected = _app.Approvals.Get("apr-2")!;
        Assert.Equal((ApprovalStatus.Rejected, "trader-bot is looping", "alice"), (rejected.Status, rejected.Reason, rejected.Votes.Single().Approver));
        Assert.Equal(ApprovalStatus.Pending, _app.Approvals.Get("apr-3")!.Status);
        Assert.Equal(2, _app.Recorder.DecisionBodies.Count);
        await Expect(Card(page, "exchange_cancel_order")).ToHaveCountAsync(0);
        await Expect(Card(page, "exchange_transfer")).ToBeVisibleAsync();
        await Expect(bulk).ToBeHiddenAsync();
        // Letting calls through stays one deliberate click per call.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" })).ToHaveCountAsync(0);
    }

    [ChromiumFact]
    public async Task Toast_StaysClearOfTheRejectSelectedBar()
    {
        var page = await OpenAsync("alice", new ViewportSize { Width = 1280, Height = 800 });
        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.CancelOrder());
        await Card(page, "exchange_place_order").GetByRole(AriaRole.Checkbox).CheckAsync();
        var bar = page.GetByRole(AriaRole.Form, new() { Name = "Reject the selected calls" });
        await Expect(bar).ToBeVisibleAsync();

        _app.Approvals.Withdraw("apr-2", "the agent went away");

        // Before, the toast sat on the bar's Reject and Clear buttons at the bottom right.
        var toast = page.Locator(".toast").Filter(new() { HasText = "exchange_cancel_order" });
        await Expect(toast).ToBeVisibleAsync();
        var (t, b) = ((await toast.BoundingBoxAsync())!, (await bar.BoundingBoxAsync())!);
        var overlap = t.X < b.X + b.Width && b.X < t.X + t.Width && t.Y < b.Y + b.Height && b.Y < t.Y + t.Height;
        Assert.False(overlap, $"the toast ({t.X},{t.Y} {t.Width}x{t.Height}) covers the bar ({b.X},{b.Y} {b.Width}x{b.Height})");
    }

    [ChromiumFact]
    public async Task ToolsAndAudit_ShowThePolicyAndFilterRecords()
    {
        var page = await OpenAsync("alice");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Pending" }).FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Tools" })).ToHaveAttributeAsync("aria-selected", "true");
        var withdraw = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "exchange_withdraw" });
        await Expect(withdraw).ToContainTextAsync("Denied");
        await Expect(withdraw).ToContainTextAsync("Critical · Financial");
        await Expect(page.GetByText("policies/policy.json")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("is not a valid glob");
        await BrowserSession.ScreenshotAsync(page, "catalogue");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var rows = page.Locator("#audit-body tr");
        await Expect(rows).ToHaveCountAsync(5);
        await page.GetByLabel("Agent").FillAsync("research-bot");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();

        await Expect(rows).ToHaveCountAsync(2);
        Assert.Contains(_app.Recorder.AuditQueries, q => q.Contains("agent=research-bot", StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" })).ToHaveAttributeAsync("href", "/api/audit.csv?agent=research-bot");
        await BrowserSession.ScreenshotAsync(page, "audit");
    }

    /// <summary>The Pending tab's badge, once the tab has this accessible name and the badge this text.</summary>
    private static ILocator PendingTab(IPage page, string name, string badge) =>
        page.GetByRole(AriaRole.Tab, new() { Name = name, Exact = true }).Locator(".count").Filter(new() { HasTextRegex = new Regex($"^{Regex.Escape(badge)}$") });

    private async Task<IPage> OpenAsync(string approver, ViewportSize? viewport = null, Func<IPage, Task>? beforeLoad = null, bool untilLive = true)
    {
        var context = await _browser.NewContextAsync(_app.Url, viewport);
        await context.AddCookiesAsync([new Cookie { Name = TestApproverAuthentication.CookieName, Value = approver, Url = _app.Url.ToString() }]);
        var page = await context.NewPageAsync();
        page.Response += (_, response) =>
        {
            if (IsGrantsRead(response.Url) && !response.Ok) _failedGrantsReads.Enqueue($"{response.Status} {response.Url}");
        };
        page.RequestFailed += (_, request) =>
        {
            if (IsGrantsRead(request.Url)) _failedGrantsReads.Enqueue($"{request.Failure} {request.Url}");
        };
        if (beforeLoad is not null)
        {
            await beforeLoad(page);
        }

        await page.GotoAsync("/");
        if (untilLive)
        {
            // "Live" once the hub is connected and the lists are loaded: whatever comes next arrives as a push.
            await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        }

        return page;
    }

    private static bool IsGrantsRead(string url) => new Uri(url).AbsolutePath == "/api/grants";

    /// <summary>For a test that fails reads of the grant list itself: the check that none failed is not for it.</summary>
    private void GrantsReadsFailOnPurpose() => _grantsReadsFailOnPurpose = true;

    /// <summary>A live page whose hub connection the test can drop, as a stopping gateway does.</summary>
    private async Task<(IPage Page, Func<Task> DropConnection)> OpenWithDroppableConnectionAsync(string approver, Func<IPage, Task>? beforeLoad = null)
    {
        IWebSocketRoute? hub = null;
        var page = await OpenAsync(approver, beforeLoad: async p =>
        {
            await p.RouteWebSocketAsync("**/hubs/approvals**", ws =>
            {
                hub = ws;
                ws.ConnectToServer();
            });
            if (beforeLoad is not null)
            {
                await beforeLoad(p);
            }
        });
        return (page, () => hub!.CloseAsync());
    }

    /// <summary>Lets the page notify, and records each <c>new Notification(...)</c> in <c>window.__notifications</c>.</summary>
    private static async Task RecordNotificationsAsync(IPage page)
    {
        await page.Context.GrantPermissionsAsync(["notifications"]);
        await page.AddInitScriptAsync("""
            (() => {
              const Real = window.Notification;
              window.__notifications = [];
              window.Notification = class {
                constructor(title, options) {
                  this.title = title;
                  this.body = options?.body;
                  this.onclick = null;
                  window.__notifications.push(this);
                }
                close() {}
                static get permission() { return Real.permission; }
                static requestPermission() { return Real.requestPermission(); }
              };
            })();
            """);
    }

    private static Task<string[]> NotificationsAsync(IPage page) =>
        page.EvaluateAsync<string[]>("() => window.__notifications.map(n => `${n.title} | ${n.body}`)");

    /// <summary>The card of a call of <paramref name="tool"/>, named "TOOL from AGENT" as a screen reader says it.</summary>
    private static ILocator Card(IPage page, string tool) => page.GetByRole(AriaRole.Article, new() { NameRegex = new Regex($"^{Regex.Escape(tool)} from ") });

    [GeneratedRegex(@"\b\d+:\d\d left\b")]
    private static partial Regex Countdown();
}
