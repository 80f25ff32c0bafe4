using ApprovalGateway.Tests.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>The page's Tools tab on the real gateway follows policy.json as the gateway does, without a reload.</summary>
public sealed class WebToolsPageEndToEndTests : IAsyncLifetime
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
    public async Task ToolsTab_ShowsAnEditedPolicy_AndAFailedReload_WhileOpen()
    {
        var context = await _browser.NewContextAsync(_gateway.Host.BaseAddress);
        var page = await context.NewPageAsync();
        await BrowserSession.SignInAsync(page, "alice", WebGateway.Password);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Tools" }).ClickAsync();
        var deleteOrder = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "BinanceDeleteOrder" });
        await Expect(deleteOrder).ToContainTextAsync("Denied");

        // Before, the tab was read once per page load: an admin watching it saw the old actions and no failed reload.
        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, WebGateway.Policy.Replace(
            """{ "action": "deny", "reason": "cancel single orders through the desk" }""", "\"require_approval\"", StringComparison.Ordinal));
        await Expect(deleteOrder).ToContainTextAsync("Approval required");

        await File.WriteAllTextAsync(_gateway.Host.PolicyPath, """{ "version": "1", "default": "alow" }""");
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The last reload failed" })).ToContainTextAsync("alow");
        await Expect(deleteOrder).ToContainTextAsync("Approval required");
    }
}
