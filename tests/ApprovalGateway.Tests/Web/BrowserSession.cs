using Microsoft.Playwright;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// Headless Debian Chromium driven by Playwright, for any test that uses a page like a person: the live page's own
/// tests and the end-to-end test against the real gateway. Never downloads a browser.
/// </summary>
/// <remarks>
/// One browser serves the whole test run, and a session is a test's share of it: each of its contexts is a fresh
/// profile with its own cookies, storage and connections, closed when the session is disposed. Starting Playwright's
/// driver and Chromium for every test cost seconds of CPU each, a few minutes of every CI run.
/// </remarks>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

    private static readonly SemaphoreSlim Starting = new(1, 1);
    private static IPlaywright? s_playwright;
    private static IBrowser? s_browser;

    static BrowserSession()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseShared();

        // Expectations wait for what the page must come to show; how soon is not what they test. Playwright's 5 s
        // default ran out for a page still connecting its hub under the load of two suites on two cores (CI).
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    private readonly IBrowser _browser;
    private readonly List<IBrowserContext> _contexts = [];

    private BrowserSession(IBrowser browser) => _browser = browser;

    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public static async Task<BrowserSession> LaunchAsync() => new(await SharedBrowserAsync());

    // A browser that crashed or was closed is replaced, so one test's broken browser is not every later test's.
    private static async Task<IBrowser> SharedBrowserAsync()
    {
        await Starting.WaitAsync();
        try
        {
            if (s_browser is { IsConnected: true } running)
            {
                return running;
            }

            s_playwright?.Dispose();
            s_playwright = null;
            var playwright = await Playwright.CreateAsync();
            try
            {
                s_browser = await playwright.Chromium.LaunchAsync(new()
                {
                    ExecutablePath = ChromiumPath,
                    Headless = true,
                    Args = ChromiumArgs,
                });
            }
            catch
            {
                playwright.Dispose();
                throw;
            }

            s_playwright = playwright;
            return s_browser;
        }
        finally
        {
            Starting.Release();
        }
    }

    private static void CloseShared()
    {
        // Closing the browser before the driver lets Chromium end on its own instead of being left to the pipe's close.
        s_browser?.CloseAsync().Wait(TimeSpan.FromSeconds(10));
        s_playwright?.Dispose();
    }

    /// <summary>A fresh browser profile (its own cookies) whose relative URLs resolve against <paramref name="baseUrl"/>.</summary>
    public async Task<IBrowserContext> NewContextAsync(Uri baseUrl, ViewportSize? viewport = null)
    {
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 860 },
            ColorScheme = ColorScheme.Light,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        lock (_contexts)
        {
            _contexts.Add(context);
        }

        return context;
    }

    /// <summary>Signs in through the gateway's <c>/login</c> form and waits for the page to open.</summary>
    public static async Task SignInAsync(IPage page, string name, string password)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !new Uri(url).AbsolutePath.StartsWith("/login", StringComparison.Ordinal));
    }

    /// <summary>Fails unless <paramref name="element"/> lies wholly within a window <paramref name="width"/> pixels wide.</summary>
    public static async Task AssertWithinAsync(ILocator element, int width, string what)
    {
        var box = await element.BoundingBoxAsync();
        Assert.True(box is { } b && b.X >= 0 && b.X + b.Width <= width, $"{what} spans {box?.X}..{box?.X + box?.Width} px, outside the {width}-pixel window");
    }

    /// <summary>Whether the page fits its window's width, with nothing to scroll sideways.</summary>
    public static Task<bool> FitsWidthAsync(IPage page) =>
        page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth");

    /// <summary>Saves a full-page PNG under the test output's <c>screenshots</c> folder and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Closes every context the session opened: their pages, and with them their connections to the gateway.</summary>
    public async ValueTask DisposeAsync()
    {
        IBrowserContext[] contexts;
        lock (_contexts)
        {
            contexts = [.. _contexts];
            _contexts.Clear();
        }

        if (!_browser.IsConnected)
        {
            return;
        }

        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }
    }
}
