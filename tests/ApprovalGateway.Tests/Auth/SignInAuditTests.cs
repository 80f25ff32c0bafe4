using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ApprovalGateway.Tests.Auth.AuthTestApp;

namespace ApprovalGateway.Tests.Auth;

public sealed class SignInAuditTests
{
    private const string Guess = "hunter2-guessed-secret";

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task FailedSignIn_IsInTheAuditLog_WithTheNameAndAddress_ButNotThePassword()
    {
        await using var app = await StartAuditedAsync();

        using var unknown = await LoginAsync(app, "mallory", Guess);
        using var wrong = await LoginAsync(app, "alice", Guess);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var records = await AuditAsync(app);
        Assert.Equal(
            [
                "Sign-in as 'alice' refused: wrong name or password (from 127.0.0.1)",
                "Sign-in as 'mallory' refused: wrong name or password (from 127.0.0.1)",
            ],
            records.Select(r => r!["reason"]!.GetValue<string>()));
        Assert.All(records, r => Assert.Equal("unauthenticated", r!["outcome"]!.GetValue<string>()));
        Assert.DoesNotContain(Guess, await File.ReadAllTextAsync(AuditFile(app)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedSignIn_WithALongName_KeepsItsStartInTheRecord_WithoutHalfAnEmoji()
    {
        await using var app = await StartAuditedAsync();
        var name = new string('a', 63) + "\U0001F512" + new string('b', 100);

        using var wrong = await LoginAsync(app, name, Guess);

        // Before, the cut at 64 characters split the emoji and the record read "aaa…a\uFFFD…".
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(
            $"Sign-in as '{new string('a', 63)}…' refused: wrong name or password (from 127.0.0.1)",
            (await AuditAsync(app)).Single()!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task LockOut_IsInTheAuditLog_WhenItStartsAndForEveryRefusedAttempt()
    {
        await using var app = await StartAuditedAsync();
        for (var i = 0; i < 5; i++)
        {
            using var failed = await LoginAsync(app, "alice", Guess);
        }

        using var locked = await LoginAsync(app, "alice", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        var reasons = (await AuditAsync(app)).Select(r => r!["reason"]!.GetValue<string>()).Take(2).ToArray();
        Assert.Equal(
            [
                "Sign-in as 'alice' refused: locked out after too many failed attempts, for 15 more minutes (from 127.0.0.1)",
                "Sign-in as 'alice' refused: wrong name or password; the name now locked out for 15 minutes (from 127.0.0.1)",
            ],
            reasons);
        Assert.DoesNotContain(Password, await File.ReadAllTextAsync(AuditFile(app)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongApproverToken_IsInTheAuditLog_WithoutTheToken()
    {
        await using var app = await StartAuditedAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Guess);

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            "GET /api/whoami refused: the bearer token is not an approver token (from 127.0.0.1)",
            (await AuditAsync(app)).Single()!["reason"]!.GetValue<string>());
        Assert.DoesNotContain(Guess, await File.ReadAllTextAsync(AuditFile(app)), StringComparison.Ordinal);
    }

    private Task<LoopbackApp> StartAuditedAsync() =>
        StartAsync(WithApprover(), app => app.MapAuditApi(), services => services.AddSingleton<TimeProvider>(time));

    private static string AuditFile(LoopbackApp app) =>
        Path.Combine(app.App.Configuration["Gateway:DataPath"]!, "audit", "audit.jsonl");

    private static async Task<JsonArray> AuditAsync(LoopbackApp app)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/audit");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AliceToken);
        using var response = await app.Client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    private static async Task<HttpResponseMessage> LoginAsync(LoopbackApp app, string name, string password)
    {
        var page = await app.Client.GetStringAsync("/login");
        return await app.Client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormToken(page),
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = "/page",
        }));
    }
}
