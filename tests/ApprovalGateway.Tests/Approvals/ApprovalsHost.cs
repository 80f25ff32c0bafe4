using ApprovalGateway.Tests.Infrastructure;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>
/// A real gateway slice on loopback port 0: the approval services, a real Hangfire server on InMemory storage
/// polling every 200 ms, the REST API and the dashboard, a fake clock and a recording observer.
/// </summary>
internal sealed class ApprovalsHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApprovalsHost(WebApplication app, FakeTimeProvider time)
    {
        _app = app;
        Time = time;
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }

    public FakeTimeProvider Time { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public IApprovalGate Gate => Services.GetRequiredService<IApprovalGate>();

    public IApprovalDecisions Decisions => Services.GetRequiredService<IApprovalDecisions>();

    public RecordingObserver Observer => Services.GetRequiredService<RecordingObserver>();

    /// <param name="settings">Settings that replace or add to the host's (Slack on, with a channel).</param>
    /// <param name="services">Registrations that replace the host's, made after them.</param>
    public static async Task<ApprovalsHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hangfire:SchedulePollingInterval"] = "00:00:00.2",
            ["Hangfire:WorkerCount"] = "2",
            ["Slack:Channel"] = "approvals",
            ["Slack:BotToken"] = "xoxb-approvals-host",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Services.AddGatewayApprovals(builder.Configuration);
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<RecordingObserver>();
        builder.Services.AddSingleton<IApprovalObserver>(sp => sp.GetRequiredService<RecordingObserver>());
        builder.Services.AddSingleton<IApprovalObserver, ThrowingObserver>();
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(
            ApproverClaims.Policy,
            p => p.RequireAuthenticatedUser().RequireClaim(TestAuthHandler.ApproverClaim)));
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapApprovalsApi();
        app.MapApprovalsDashboard();
        await app.StartAsync();
        return new ApprovalsHost(app, time);
    }

    public static ApprovalRequest Request(ApprovalSettings? settings = null, string agent = "trader", string tool = "place_order")
    {
        var arguments = JsonNode.Parse("""{"symbol":"BTCUSDT","side":"BUY","quantity":0.50,"apiKey":"k-123"}""")!.AsObject();
        return new ApprovalRequest(
            agent,
            "olivia",
            "session-1",
            "exchange",
            tool,
            arguments,
            CanonicalJson.Sha256(SecretMasker.MaskCopy(arguments)!),
            new ToolRisk(ToolCategory.Financial, RiskClass.Critical, "places orders"),
            "risk.critical",
            settings ?? ApprovalSettings.Default);
    }

    public static ApproverIdentity Alice { get; } = new("alice", "UALICE");

    public static ApproverIdentity Bob { get; } = new("bob", "UBOB");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        HangfireLogging.Forget();
    }

    /// <summary>Proves a failing observer cannot break the approval path.</summary>
    private sealed class ThrowingObserver : IApprovalObserver
    {
        public void OnChanged(ApprovalSnapshot approval) => throw new InvalidOperationException("observer down");
    }
}
