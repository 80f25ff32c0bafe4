using System.Text;
using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Web;

/// <summary>
/// The live page as the gateway maps it (<c>AddGatewayWeb</c>, <c>MapGatewayWeb</c>) on a loopback port, with the
/// APIs it calls served here from memory in the shapes their owners publish, and cookie-named test approvers.
/// </summary>
internal sealed class WebTestApp : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly WebApplication _app;

    private WebTestApp(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public TestApprovals Approvals => _app.Services.GetRequiredService<TestApprovals>();

    public TestApiRecorder Recorder => _app.Services.GetRequiredService<TestApiRecorder>();

    public TestAudit Audit => _app.Services.GetRequiredService<TestAudit>();

    /// <summary>The live pages' open connections, which the gateway ends on a sign-out or to have its pages reconnect.</summary>
    public PageConnections Pages => _app.Services.GetRequiredService<PageConnections>();

    /// <summary>Each page connection once the gateway has registered it.</summary>
    public PageConnectionsOpened Opened => _app.Services.GetRequiredService<PageConnectionsOpened>();

    /// <summary>The grants <c>GET /api/grants</c> lists: none until a test adds one.</summary>
    public TestGrants Grants => (TestGrants)_app.Services.GetRequiredService<IGrantStore>();

    /// <param name="slack">Whether Slack is configured, as <c>Slack:BotToken</c> and a channel make it.</param>
    public static async Task<WebTestApp> StartAsync(bool slack = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddGatewayWeb();
        builder.Services.Configure<ApprovalOptions>(o => o.SlackEnabled = slack);
        builder.Services.AddAuthentication(TestApproverAuthentication.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestApproverAuthentication>(TestApproverAuthentication.SchemeName, configureOptions: null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(ApproverClaims.Policy, policy => policy.RequireAuthenticatedUser());
        builder.Services.AddAntiforgery(options => options.HeaderName = "X-CSRF-TOKEN");
        builder.Services.AddSingleton<TestApprovals>();
        builder.Services.AddSingleton<TestApiRecorder>();
        builder.Services.AddSingleton<TestAudit>();
        builder.Services.AddSingleton<IGrantStore, TestGrants>();
        builder.Services.AddSingleton<PageConnectionsOpened>();
        builder.Services.AddOptions<HubOptions>().Configure<PageConnectionsOpened>((options, opened) => options.AddFilter(opened));
        builder.Services.AddSingleton<IApprovalDecisions>(sp => sp.GetRequiredService<TestApprovals>());

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGatewayWeb();
        MapApis(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebTestApp(app, new Uri(address + "/"));
    }

    public HttpClient CreateClient(string? approver = null)
    {
        var client = new HttpClient { BaseAddress = Url };
        if (approver is not null)
        {
            client.DefaultRequestHeaders.Add("Cookie", $"{TestApproverAuthentication.CookieName}={approver}");
        }

        return client;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static void MapApis(IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(ApproverClaims.Policy);
        api.MapGet("/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
            Results.Json(new { token = antiforgery.GetAndStoreTokens(context).RequestToken, header_name = "X-CSRF-TOKEN" }, Json));
        api.MapGet("/approvals", (TestApprovals approvals, IOptions<ApprovalOptions> options, string? status) =>
        {
            ApprovalStatus? filter = status is null ? null : Enum.Parse<ApprovalStatus>(status, ignoreCase: true);
            return Results.Json(approvals.List(filter).Select(a => ApprovalView.From(a, options.Value.SlackEnabled)), Json);
        });
        api.MapGet("/approvals/{id}", (TestApprovals approvals, IOptions<ApprovalOptions> options, string id) =>
            approvals.Get(id) is { } approval ? Results.Json(ApprovalView.From(approval, options.Value.SlackEnabled), Json) : Results.NotFound());
        api.MapPost("/approvals/{id}/decision", DecideAsync);
        // The gateway's own handler: before, no page test had one, so every page read the grants, failed and read them again.
        api.MapGet("/grants", (HttpRequest request, IGrantStore grants, TimeProvider time) => GrantsApi.List(request, grants, time));
        api.MapGet("/tools", () => Results.Json(ApprovalSamples.Tools));
        api.MapGet("/policy", () => Results.Json(
            new { path = "policies/policy.json", loaded_at = DateTimeOffset.UtcNow.AddMinutes(-12), last_error = (string?)"rules[3].match.tool: 'exchange_*withdraw' is not a valid glob" }, Json));
        api.MapGet("/audit", (HttpContext context, TestApiRecorder recorder, TestAudit audit, [AsParameters] AuditQueryParameters parameters) =>
        {
            recorder.AuditQueries.Enqueue(context.Request.QueryString.Value ?? "");

            // The gateway's own reading of the filters, so the page is tested against what they match there.
            var query = parameters.ToQuery(context.Request.Query, AuditQuery.DefaultLimit, 1000, out var error);
            return query is null
                ? Results.Problem(error, statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(audit.Records(DateTimeOffset.UtcNow).Where(query.Matches).Take(query.Limit), Json);
        });
        api.MapGet("/audit.csv", () => Results.Text("time,agent,tool\n", "text/csv", Encoding.UTF8));
    }

    private static async Task<IResult> DecideAsync(
        string id, HttpContext context, IAntiforgery antiforgery, IApprovalDecisions decisions, TestApiRecorder recorder, IOptions<ApprovalOptions> options)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Json(new { message = "Missing or invalid anti-forgery token." }, Json, statusCode: StatusCodes.Status400BadRequest);
        }

        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync();
        recorder.DecisionBodies.Enqueue(text);
        using var body = JsonDocument.Parse(text);
        var approve = body.RootElement.GetProperty("decision").GetString() == "approve";
        var reason = body.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        var grant = body.RootElement.TryGetProperty("grant_minutes", out var g) && g.ValueKind == JsonValueKind.Number ? g.GetInt32() : (int?)null;
        var result = await decisions.DecideAsync(id, new ApproverIdentity(context.User.Identity!.Name!, null), approve, reason, grant, "web", context.RequestAborted);
        var view = result.Approval is null ? null : ApprovalView.From(result.Approval, options.Value.SlackEnabled);
        return result.Kind switch
        {
            DecisionResultKind.Resolved => Results.Json(new { result = "resolved", message = result.Message, approval = view }, Json),
            DecisionResultKind.AwaitingMoreApprovals => Results.Json(new { result = "awaiting_more_approvals", message = result.Message, approval = view }, Json),
            DecisionResultKind.AlreadyResolved => Results.Json(new { result = "already_resolved", message = result.Message, approval = view }, Json, statusCode: StatusCodes.Status409Conflict),
            DecisionResultKind.NotAllowed => Results.Json(new { message = result.Message }, Json, statusCode: StatusCodes.Status403Forbidden),
            _ => Results.Json(new { message = result.Message }, Json, statusCode: StatusCodes.Status404NotFound),
        };
    }
}
