using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>The live page on the real gateway: real sign-in, a real agent held by the policy, a real click.</summary>
public sealed class WebApprovalPageEndToEndTests : IAsyncLifetime
{
    private WebGateway _gateway = null!;
    private BrowserSession _browser = null!;

    public async Task InitializeAsync()
    {
        _gateway = await WebGateway.StartAsync();
        _browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [ChromiumFact]
    public async Task Approve_ReleasesTheHeldAgentCall_AndEveryOpenPageSeesIt()
    {
        var alice = await SignInAsync("alice", screenshot: "e2e-login");
        var bob = await SignInAsync("bob");
        await using var agent = await _gateway.ConnectAgentAsync();
        var algoId = await WebGateway.PlaceTwapAsync(agent);

        var call = Task.Run(() => agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(algoId)).AsTask());
        var card = Card(alice, WebGateway.CancelTwap);
        await Expect(card).ToBeVisibleAsync();
        await Expect(card).ToContainTextAsync("bot");
        await Expect(card).ToContainTextAsync("tools[\"BinanceSpotCancelOpenTWAPOrder\"]");
        await Expect(card.Locator("pre")).ToContainTextAsync($"\"algoId\": {algoId}");
        await Expect(Card(bob, WebGateway.CancelTwap)).ToBeVisibleAsync();
        Assert.False(call.IsCompleted, "the agent's call waits for a human");
        await BrowserSession.ScreenshotAsync(alice, "e2e-pending");

        await card.GetByRole(AriaRole.Button, new() { Name = $"Approve {WebGateway.CancelTwap} from bot" }).ClickAsync();

        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(algoId, result.StructuredContent!.Value.GetProperty("algoId").GetInt64());
        await Expect(Card(alice, WebGateway.CancelTwap)).ToHaveCountAsync(0);
        await Expect(Card(bob, WebGateway.CancelTwap)).ToHaveCountAsync(0);
        await bob.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        var item = bob.GetByRole(AriaRole.Listitem).Filter(new() { HasText = WebGateway.CancelTwap });
        await Expect(item).ToContainTextAsync("approved by alice");
        await BrowserSession.ScreenshotAsync(bob, "e2e-history");
        var approval = Assert.Single(_gateway.Host.Services.GetRequiredService<IApprovalDecisions>().List(ApprovalStatus.Approved));
        // Before, "api": a click on the page could not be told from a script with a bearer token.
        Assert.Equal(("alice", "web"), (approval.Votes[0].Approver, approval.Votes[0].Channel));

        await alice.GetByRole(AriaRole.Tab, new() { Name = "Tools" }).ClickAsync();
        var tool = alice.GetByRole(AriaRole.Row).Filter(new() { HasText = WebGateway.CancelTwap });
        await Expect(tool).ToContainTextAsync("Approval required");
        await Expect(tool).ToContainTextAsync("Critical");
        await Expect(alice.GetByRole(AriaRole.Row).Filter(new() { HasText = "BinanceDeleteOrder" })).ToContainTextAsync("Denied");
        await Expect(alice.Locator("#policy-path")).ToHaveTextAsync(_gateway.Host.PolicyPath);
        await BrowserSession.ScreenshotAsync(alice, "e2e-tools");

        await alice.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        var rows = alice.Locator("#audit-body tr");
        // Newest first: each forwarded call shows its outcome above the record written before it was sent.
        await Expect(rows).ToHaveCountAsync(5);
        await Expect(rows.First).ToContainTextAsync(WebGateway.CancelTwap);
        await Expect(rows.First).ToContainTextAsync("Forwarded");
        await Expect(rows.First).ToContainTextAsync("alice");
        await Expect(rows.Nth(1)).ToContainTextAsync(WebGateway.CancelTwap);
        await Expect(rows.Nth(1)).ToContainTextAsync("Forwarding");
        await Expect(rows.Nth(1)).ToContainTextAsync("alice");
        await Expect(rows.Nth(2)).ToContainTextAsync(WebGateway.PlaceTwap);
        await Expect(rows.Nth(2)).ToContainTextAsync("Forwarded");
        await Expect(rows.Nth(3)).ToContainTextAsync(WebGateway.PlaceTwap);
        await Expect(rows.Nth(3)).ToContainTextAsync("Forwarding");
        // Oldest: the policy the gateway started with, which decided both calls.
        await Expect(rows.Nth(4)).ToContainTextAsync("Policy loaded");
        await Expect(rows.Nth(4)).ToContainTextAsync($"policy {_gateway.Host.PolicyPath} (sha256 ");
        await BrowserSession.ScreenshotAsync(alice, "e2e-audit");
    }

    /// <summary>An agent looping on a held tool: its calls are rejected together, each one decided and audited on its own.</summary>
    [ChromiumFact]
    public async Task RejectSelected_RejectsTheChosenCallsWithTheReason_AndLeavesTheOtherWaiting()
    {
        var alice = await SignInAsync("alice");
        await using var agent = await _gateway.ConnectAgentAsync();
        long[] algoIds = [await WebGateway.PlaceTwapAsync(agent), await WebGateway.PlaceTwapAsync(agent), await WebGateway.PlaceTwapAsync(agent)];
        var calls = algoIds.Select(id => Task.Run(() => agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(id)).AsTask())).ToArray();
        var cards = algoIds.Select(id => alice.GetByRole(AriaRole.Article).Filter(new() { HasText = $"\"algoId\": {id}" })).ToArray();
        foreach (var card in cards)
        {
            await Expect(card).ToBeVisibleAsync();
        }

        await cards[0].GetByRole(AriaRole.Checkbox, new() { Name = "Select" }).CheckAsync();
        await cards[1].GetByRole(AriaRole.Checkbox, new() { Name = "Select" }).CheckAsync();
        var bulk = alice.GetByRole(AriaRole.Form, new() { Name = "Reject the selected calls" });
        await bulk.GetByLabel("Reason for the selected calls").FillAsync("bot is looping on cancels");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Reject 2 selected" }).ClickAsync();

        foreach (var call in calls[..2])
        {
            var result = await call.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.IsError);
            Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
            Assert.Contains("bot is looping on cancels", (string?)Refusals.Of(result)["reason"], StringComparison.Ordinal);
        }

        await Expect(cards[0]).ToHaveCountAsync(0);
        await Expect(cards[1]).ToHaveCountAsync(0);
        await Expect(cards[2]).ToBeVisibleAsync();
        Assert.False(calls[2].IsCompleted, "the call left out of the selection still waits for a human");
        var audited = _gateway.Audit.Recent(50).Where(r => r.Outcome == "rejected").ToList();
        Assert.Equal(2, audited.Count);
        Assert.All(audited, r =>
        {
            Assert.Equal(["alice"], r.DecidedBy);
            Assert.Contains("bot is looping on cancels", r.Reason, StringComparison.Ordinal);
        });
        Assert.Equal(2, audited.Select(r => r.ApprovalId).Distinct().Count());
    }

    /// <summary>The Tools tab follows policy.json as the gateway does, without a reload of the page.</summary>
    [ChromiumFact]
    public async Task ToolsTab_ShowsAnEditedPolicy_AndAFailedReload_WhileOpen()
    {
        var page = await SignInAsync("alice");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tools" }).ClickAsync();
        var deleteOrder = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "BinanceDeleteOrder" });
        await Expect(deleteOrder).ToContainTextAsync("Denied");

        // Before, the tab was read once per page load: an admin watching it saw the old actions and no failed reload.
        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, WebGateway.Policy.Replace(
            """{ "action": "deny", "reason": "cancel single orders through the desk" }""", "\"require_approval\"", StringComparison.Ordinal));
        await Expect(deleteOrder).ToContainTextAsync("Approval required");

        // A rule's own action holds only while none of its conditions does: the row says what they make of a call.
        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, WebGateway.Policy.Replace(
            """{ "action": "deny", "reason": "cancel single orders through the desk" }""",
            """{ "action": "allow", "when": [ { "if": "args.orderId > 1000", "action": "require_approval" } ] }""",
            StringComparison.Ordinal));
        await Expect(deleteOrder).ToContainTextAsync("Allowed unless");
        await Expect(deleteOrder.GetByRole(AriaRole.List, new() { Name = "Unless" })).ToHaveTextAsync("Approval required when args.orderId > 1000");
        await BrowserSession.ScreenshotAsync(page, "e2e-tools-conditional");

        // A misspelt rule applies to no call; under "default": "allow" its deny lets the call through, so it is flagged.
        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, WebGateway.Policy.Replace(
            "\"BinanceDeleteOrder\": {", "\"BinanceDeleteOrdr\": {", StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Policy warnings" })).ToContainTextAsync(
            "tools[\"BinanceDeleteOrdr\"] matches no tool the upstreams serve now (did you mean BinanceDeleteOrder?)");
        await Expect(deleteOrder).ToContainTextAsync("rule risk.critical");
        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, WebGateway.Policy.Replace(
            """{ "action": "deny", "reason": "cancel single orders through the desk" }""",
            """{ "action": "allow", "when": [ { "if": "args.orderId > 1000", "action": "require_approval" } ] }""",
            StringComparison.Ordinal));
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Policy warnings" })).Not.ToContainTextAsync("BinanceDeleteOrdr");

        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, """{ "version": "1", "default": "alow" }""");
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The last reload failed" })).ToContainTextAsync("alow");
        await Expect(deleteOrder).ToContainTextAsync("Allowed unless");
    }

    /// <summary>A tab left open must not go on receiving every held call after its approver signed out in another.</summary>
    [ChromiumFact]
    public async Task SignOut_InOneTab_EndsTheLivePageInTheOthers_ButNotAnotherApproversPage()
    {
        var first = await SignInAsync("alice");
        var second = await first.Context.NewPageAsync();
        await second.GotoAsync("/");
        await Expect(second.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        var bob = await SignInAsync("bob");

        await first.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await second.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await using var agent = await _gateway.ConnectAgentAsync();
        var held = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(await WebGateway.PlaceTwapAsync(agent))).AsTask();
        await Expect(Card(bob, WebGateway.CancelTwap)).ToBeVisibleAsync();
        Assert.False(held.IsCompleted);
    }

    [ChromiumFact]
    public async Task SignOut_LandsOnASignInFormInThePagesLook_ThatSaysYouAreSignedOut()
    {
        var page = await SignInAsync("alice");
        var accent = await page.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('.btn-primary')).backgroundColor");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        // Before, a bare form in the browser's default look, with nothing to say the sign-out had worked.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are signed out.");
        var signIn = page.GetByRole(AriaRole.Button, new() { Name = "Sign in" });
        Assert.Equal(accent, await signIn.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor"));
        await BrowserSession.ScreenshotAsync(page, "e2e-signed-out");
        await page.GotoAsync("/login");
        await Expect(page.GetByText("You are signed out.")).ToHaveCountAsync(0);
    }

    private async Task<IPage> SignInAsync(string name, string? screenshot = null)
    {
        var context = await _browser.NewContextAsync(_gateway.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        Assert.Equal("/login", new Uri(page.Url).AbsolutePath);
        if (screenshot is not null)
        {
            await BrowserSession.ScreenshotAsync(page, screenshot);
        }

        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(WebGateway.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        return page;
    }

    private static ILocator Card(IPage page, string tool) => page.GetByRole(AriaRole.Article, new() { Name = $"{tool} from bot", Exact = true });
}
