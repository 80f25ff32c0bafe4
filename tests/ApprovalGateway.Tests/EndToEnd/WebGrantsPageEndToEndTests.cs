using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>The live page's Grants tab on the real gateway: a grant given on one page appears on every page, and Revoke ends it.</summary>
public sealed partial class WebGrantsPageEndToEndTests : IAsyncLifetime
{
    private WebGateway _gateway = null!;
    private BrowserSession _browser = null!;

    public async Task InitializeAsync()
    {
        _gateway = await WebGateway.StartAsync(policy: TimeBoxedGrantApiTests.GrantingPolicy);
        _browser = await BrowserSession.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [ChromiumFact]
    public async Task Revoke_EndsTheGrantOnEveryOpenPage_AndTheNextCallIsHeldAgain()
    {
        var alice = await SignInAsync("alice");
        var bob = await SignInAsync("bob");
        await bob.GetByRole(AriaRole.Tab, new() { Name = "Grants" }).ClickAsync();
        await Expect(bob.GetByText("No grant in force.")).ToBeVisibleAsync();
        // Read from the gateway, so known: 0 and said as such, with no "not known" title ("?" until it was read).
        var none = bob.GetByRole(AriaRole.Tab, new() { Name = "Grants, 0 in force", Exact = true }).Locator(".count");
        await Expect(none).ToHaveTextAsync("0");
        await Expect(none).Not.ToHaveAttributeAsync("title", new Regex("."));
        await using var agent = await _gateway.ConnectAgentAsync();

        var first = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(await WebGateway.PlaceTwapAsync(agent))).AsTask();
        var card = alice.GetByRole(AriaRole.Article, new() { Name = $"{WebGateway.CancelTwap} from bot", Exact = true });
        await card.GetByLabel("Also allow for").SelectOptionAsync(new SelectOptionValue { Label = "15 minutes (longest)" });
        await card.GetByRole(AriaRole.Button, new() { Name = $"Approve {WebGateway.CancelTwap} from bot" }).ClickAsync();
        Assert.NotEqual(true, (await first.WaitAsync(TimeSpan.FromSeconds(60))).IsError);

        var row = GrantRow(bob);
        await Expect(row).ToContainTextAsync("bot");
        await Expect(row).ToContainTextAsync("alice");
        await Expect(row).ToContainTextAsync(Remaining());
        await Expect(bob.GetByRole(AriaRole.Tab, new() { Name = "Grants" })).ToContainTextAsync("1");
        // Before, a screen reader read the tab and its badge's own name together: "Grants 1 grants in force".
        await Expect(alice.GetByRole(AriaRole.Tab, new() { Name = "Grants" })).ToHaveAccessibleNameAsync("Grants, 1 in force");
        await Expect(alice.GetByRole(AriaRole.Tab, new() { Name = "Grants" })).ToContainTextAsync("1");
        await Expect(alice.Locator("#grants-count")).ToHaveTextAsync("1");
        await BrowserSession.ScreenshotAsync(bob, "e2e-grants");

        // On a phone each grant is a card: before, the table scrolled sideways inside its box, with when the grant ends
        // and its Revoke button past the edge of a 390-pixel window.
        await bob.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(bob, "e2e-grants-phone");
        foreach (var (column, name) in new[] { (0, "tool"), (1, "agent"), (2, "granted by"), (4, "end"), (5, "Revoke button") })
        {
            await BrowserSession.AssertWithinAsync(row.Locator("td").Nth(column), 390, $"the grant's {name}");
        }

        Assert.True(await BrowserSession.FitsWidthAsync(bob), "the Grants tab overflows a 390-pixel window");
        await bob.SetViewportSizeAsync(1280, 860);

        // One click only asks; Cancel keeps the grant, and it takes the second button to end it.
        var revoke = row.GetByRole(AriaRole.Button, new() { Name = $"Revoke the grant for {WebGateway.CancelTwap} to bot", Exact = true });
        await revoke.ClickAsync();
        await Expect(row).ToContainTextAsync("Revoke grant for bot?");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Cancel, keep the grant" })).ToBeFocusedAsync();
        Assert.Single(await GrantsInForceAsync());
        await row.GetByRole(AriaRole.Button, new() { Name = "Cancel, keep the grant" }).ClickAsync();
        await Expect(revoke).ToBeFocusedAsync();
        await Expect(row).Not.ToContainTextAsync("Revoke grant for");
        Assert.Single(await GrantsInForceAsync());
        await Expect(bob.GetByRole(AriaRole.Tab, new() { Name = "Grants" })).ToContainTextAsync("1");

        await revoke.ClickAsync();
        await BrowserSession.ScreenshotAsync(bob, "e2e-grants-revoke");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Yes, revoke the grant for {WebGateway.CancelTwap} to bot" }).ClickAsync();

        await Expect(GrantRow(bob)).ToHaveCountAsync(0);
        await Expect(bob.GetByText("No grant in force.")).ToBeVisibleAsync();
        // Before, the pressed button went with its row and focus fell to <body>: a screen reader lost its place.
        await Expect(bob.GetByRole(AriaRole.Heading, new() { Name = "Grants in force" })).ToBeFocusedAsync();
        await Expect(alice.GetByRole(AriaRole.Tab, new() { Name = "Grants" })).ToContainTextAsync("0");
        var record = await _gateway.Audit.WaitForOutcomeAsync("grant_revoked");
        Assert.Equal(["bob"], record.DecidedBy);

        // Alice's page had the approval as "approved" already; the revocation reaches its history entry too.
        await alice.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Expect(alice.GetByRole(AriaRole.List, new() { Name = "Decided approvals" }).GetByRole(AriaRole.Listitem))
            .ToContainTextAsync("time-boxed grant was revoked by bob");
        await alice.GetByRole(AriaRole.Tab, new() { Name = "Pending" }).ClickAsync();
        _gateway.Approvals.Clear();
        var next = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(await WebGateway.PlaceTwapAsync(agent))).AsTask();
        await _gateway.Approvals.WaitForAsync(WebGateway.CancelTwap, ApprovalStatus.Pending);
        await Expect(alice.GetByRole(AriaRole.Article, new() { Name = $"{WebGateway.CancelTwap} from bot", Exact = true })).ToBeVisibleAsync();
        Assert.False(next.IsCompleted, "the call after the revocation waits for a human");
    }

    private async Task<IPage> SignInAsync(string name)
    {
        var context = await _browser.NewContextAsync(_gateway.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await BrowserSession.SignInAsync(page, name, WebGateway.Password);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        return page;
    }

    private async Task<JsonArray> GrantsInForceAsync()
    {
        using var client = _gateway.WithBearer(WebGateway.AliceToken);
        return (await client.GetFromJsonAsync<JsonArray>("/api/grants"))!;
    }

    private static ILocator GrantRow(IPage page) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = WebGateway.CancelTwap });

    [GeneratedRegex(@"\((14|15):\d\d left\)")]
    private static partial Regex Remaining();
}
