using Microsoft.Playwright;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// Headless Debian Chromium driven by Playwright, for any test that uses a page like a person: the live page's own
/// tests and the end-to-end test against the real gateway. Never downloads a browser.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

    private readonly IPlaywright _playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<BrowserSession> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
            });
            return new BrowserSession(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh browser profile (its own cookies) whose relative URLs resolve against <paramref name="baseUrl"/>.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri baseUrl, ViewportSize? viewport = null) =>
        Browser.NewContextAsync(new()
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 860 },
            ColorScheme = ColorScheme.Light,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });

    /// <summary>Signs in through the gateway's <c>/login</c> form and waits for the page to open.</summary>
    public static async Task SignInAsync(IPage page, string name, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.Ordinal));
    }

    /// <summary>Saves a full-page PNG under the test output's <c>screenshots</c> folder and returns its path.</summary>
    /// <summary>Fails unless <paramref name="element"/> lies wholly within a window <paramref name="width"/> pixels wide.</summary>
    public static async Task AssertWithinAsync(ILocator element, int width, string what)
    {
        var box = await element.BoundingBoxAsync();
        Assert.True(box is { } b && b.X >= 0 && b.X + b.Width <= width, $"{what} spans {box?.X}..{box?.X + box?.Width} px, outside the {width}-pixel window");
    }

    /// <summary>Whether the page fits its window's width, with nothing to scroll sideways.</summary>
    public static Task<bool> FitsWidthAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth");

    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
