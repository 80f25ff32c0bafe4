using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// An agent calling a held tool in a loop: the first call is said and notified at once, and those held just after it
/// are summed into one message, rather than a screen reader queueing a line (and the desktop a notification) per call.
/// </summary>
public sealed partial class ApprovalPageTests
{
    [ChromiumFact]
    public async Task CallsHeldInABurst_AreSaidOnce_ThenSummedByAgent_WhileALoneCallIsSaidInFull()
    {
        var page = await OpenAsync("alice");

        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-3", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-4", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-5", ApprovalSamples.PlaceOrder("research-bot"));
        _app.Approvals.Add("apr-6", ApprovalSamples.PlaceOrder("research-bot"));

        var said = page.Locator("#announcer p");
        var summary = said.Filter(new() { HasText = "more approval requests" });
        await Expect(summary).ToHaveCountAsync(1);
        // The pushes go out together, in no promised order: whichever came first was said in full.
        var first = await said.First.TextContentAsync();
        var (expectedSummary, firstAgent) = first!.Contains("research-bot", StringComparison.Ordinal)
            ? ("5 more approval requests: 4 from trader-bot, 1 from research-bot.", "research-bot")
            : ("5 more approval requests: 3 from trader-bot, 2 from research-bot.", "trader-bot");
        // Before, one "New approval request: …" per call: six lines queued for a screen reader.
        Assert.Equal(
            [$"New approval request: exchange_place_order from {firstAgent}, critical risk.", expectedSummary],
            await said.AllTextContentsAsync());

        _app.Approvals.Add("apr-7", ApprovalSamples.CancelOrder());
        await Expect(said.Filter(new() { HasText = "exchange_cancel_order" })).ToHaveTextAsync("New approval request: exchange_cancel_order from trader-bot, high risk.");
        Assert.Equal(3, await said.CountAsync());
    }

    [ChromiumFact]
    public async Task NotifyMe_ShowsTheFirstCallOfABurst_ThenOneNotificationSummingTheRest()
    {
        var page = await OpenAsync("alice", beforeLoad: RecordNotificationsAsync);
        await page.GetByLabel("Notify me").CheckAsync();

        _app.Approvals.Add("apr-1", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-2", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-3", ApprovalSamples.PlaceOrder());
        _app.Approvals.Add("apr-4", ApprovalSamples.PlaceOrder("research-bot"));

        // Before, four notifications at once, each with its tone.
        await page.WaitForFunctionAsync("() => window.__notifications.length >= 2");
        var shown = await NotificationsAsync(page);
        var expected = shown[0].Contains("research-bot", StringComparison.Ordinal)
            ? new[] { "Approval needed: exchange_place_order | research-bot · Critical risk", "3 more approvals needed | 3 from trader-bot" }
            : ["Approval needed: exchange_place_order | trader-bot · Critical risk", "3 more approvals needed | 2 from trader-bot · 1 from research-bot"];
        Assert.Equal(expected, shown);

        // Clicking the summary brings the approver to the first of its calls.
        await page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await page.EvaluateAsync("() => window.__notifications[1].onclick()");
        await Expect(page.Locator("#pending-list [data-id]:focus")).ToHaveCountAsync(1);
    }
}
