using ApprovalGateway.Tests.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>The live page on the real gateway when the approver's sign-in runs out while the page is open.</summary>
public sealed class WebSignInExpiryTests : IAsyncLifetime
{
    private BrowserSession _browser = null!;

    public async Task InitializeAsync() => _browser = await BrowserSession.LaunchAsync();

    public async Task DisposeAsync() => await _browser.DisposeAsync();

    [ChromiumFact]
    public async Task LivePage_StopsAndAsksForANewSignIn_WhenItsSignInExpires()
    {
        // The sign-in's own clock stands still until the test moves it, so signing in and opening the page take what
        // they take; the hub measures the sign-in's end on the real clock, a few seconds after it began.
        var signInClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await WebGateway.StartAsync(
            new Dictionary<string, string?> { ["Web:SignInLifetime"] = "00:00:05" },
            builder => builder.Services.PostConfigure<CookieAuthenticationOptions>(
                ApproverSchemes.Cookie, options => options.TimeProvider = signInClock));
        var context = await _browser.NewContextAsync(gateway.Host.BaseAddress);
        var page = await context.NewPageAsync();

        // The sign-in's 5 s start now, not when the clock was made: on a loaded machine the gateway's start alone could
        // take them, and the hub then refused the page's connection as signed in too long ago (CI, 2026-11-29).
        signInClock.SetUtcNow(DateTimeOffset.UtcNow);
        await BrowserSession.SignInAsync(page, "alice", WebGateway.Password);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();

        signInClock.Advance(TimeSpan.FromSeconds(6));

        // Before, the connection outlived the sign-in: the page stayed live, receiving every held call and its
        // arguments, for as long as it was left open.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/login", new() { Timeout = 60_000 });
        Assert.Contains("returnUrl=%2F", page.Url, StringComparison.Ordinal);
    }
}
