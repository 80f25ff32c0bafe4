using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The real gateway in front of the demo exchange, with two approvers (password and script token each), one agent
/// key, a watcher on every approval change and one on every audit append.
/// </summary>
internal sealed partial class WebGateway : IAsyncDisposable
{
    public const string AgentKey = "bot-key-7Hq2mV9xLr4Tz8Kc";
    public const string AliceToken = "alice-token-Ws3nB6yQe1Pu5Jd0";
    public const string Password = "correct horse battery staple";
    public const string CancelTwap = "BinanceSpotCancelOpenTWAPOrder";
    public const string PlaceTwap = "BinanceSpotTimeWeightedAveragePriceNewOrder";

    /// <summary>Cancelling a TWAP order needs a human; the rest of the exchange is open, with one of each other outcome.</summary>
    public const string Policy = """
        {
          "version": "1",
          "default": "allow",
          "hide": ["BinanceWalletWithdraw"],
          "tools": {
            "BinanceSpotCancelOpenTWAPOrder": {
              "action": "require_approval",
              "reason": "cancelling a TWAP order is irreversible",
              "approval": { "timeout": 300 }
            },
            "BinanceSpotTimeWeightedAveragePriceNewOrder": "allow",
            "BinanceDeleteOrder": { "action": "deny", "reason": "cancel single orders through the desk" },
            "BinanceTickerPrice": { "rate_limit": { "max": 1, "window": 3600 } },
            "Flaky*": "allow"
          }
        }
        """;

    // The validator's floor: enough to exercise the real check, cheap enough for every sign-in in a test.
    private static readonly string PasswordHash = PasswordHasher.Hash(Password, PasswordHasher.MinimumIterations);

    private WebGateway(GatewayHost host)
    {
        Host = host;
        Approvals = (WebApprovalWatcher)host.Services.GetServices<IApprovalObserver>().Single(o => o is WebApprovalWatcher);
        Audit = (AuditAppendWatcher)host.Services.GetRequiredService<IAuditLog>();
    }

    public GatewayHost Host { get; }

    public WebApprovalWatcher Approvals { get; }

    public AuditAppendWatcher Audit { get; }

    public string AuditPath => Path.Combine(Host.DataDirectory, "audit", "audit.jsonl");

    public static async Task<WebGateway> StartAsync(
        IReadOnlyDictionary<string, string?>? extraSettings = null, Action<WebApplicationBuilder>? configure = null, string policy = Policy)
    {
        var settings = TestUpstreams.Merge(
            TestUpstreams.DemoStdio(),
            new Dictionary<string, string?>
            {
                ["Approvers:alice:PasswordHash"] = PasswordHash,
                ["Approvers:alice:Token"] = AliceToken,
                ["Approvers:bob:PasswordHash"] = PasswordHash,
                ["Gateway:Agents:bot:ApiKey"] = AgentKey,
            },
            extraSettings ?? new Dictionary<string, string?>());
        var host = await GatewayHost.StartAsync(settings, policy, builder =>
        {
            builder.Services.AddSingleton<IApprovalObserver, WebApprovalWatcher>();
            builder.Services.Replace(ServiceDescriptor.Singleton<IAuditLog>(sp => new AuditAppendWatcher(sp.GetRequiredService<FileAuditLog>())));
            configure?.Invoke(builder);
        });
        return new WebGateway(host);
    }

    /// <summary>A real MCP client for the agent <c>bot</c>.</summary>
    public Task<McpClient> ConnectAgentAsync() => Host.ConnectAsync(bearer: AgentKey);

    /// <summary>Places a TWAP order through the gateway (an allowed call) and returns its id, for a cancel to hold.</summary>
    public static async Task<long> PlaceTwapAsync(McpClient agent)
    {
        var placed = await agent.CallToolAsync(PlaceTwap, new Dictionary<string, object?>
        {
            ["symbol"] = "BTCUSDT",
            ["side"] = "BUY",
            ["quantity"] = 0.01,
            ["duration"] = 3600,
        });
        Assert.NotEqual(true, placed.IsError);
        return placed.StructuredContent!.Value.GetProperty("algoId").GetInt64();
    }

    public static Dictionary<string, object?> CancelArguments(long algoId) => new() { ["algoId"] = algoId };

    /// <summary>A client with no credentials that does not follow redirects, so a test sees them.</summary>
    public HttpClient Anonymous() => new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Host.BaseAddress };

    public HttpClient WithBearer(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>Signs in through the <c>/login</c> form like a browser would; returns the client and its anti-forgery token.</summary>
    /// <param name="cookies">The browser's cookie jar, for a test that opens the live page with the same sign-in.</param>
    public async Task<(HttpClient Client, string CsrfToken)> SignInAsync(string name, CookieContainer? cookies = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = Host.BaseAddress,
        };
        var form = await client.GetStringAsync("/login");
        var field = FormToken().Match(form);
        Assert.True(field.Success, "the sign-in form carries an anti-forgery field");
        using var login = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [field.Groups["name"].Value] = WebUtility.HtmlDecode(field.Groups["value"].Value),
            ["name"] = name,
            ["password"] = Password,
            ["returnUrl"] = "/",
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        using var antiforgery = await client.GetFromJsonAsync<JsonDocument>("/api/antiforgery");
        return (client, antiforgery!.RootElement.GetProperty("token").GetString()!);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)">""")]
    private static partial Regex FormToken();
}
