using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static ApprovalGateway.Tests.Auth.AuthTestApp;

namespace ApprovalGateway.Tests.Auth;

public sealed class SignInThrottleTests
{
    private const string Wrong = "wrong password";

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Login_Returns429WithRetryAfter_WhenANameHasFailedFiveTimes()
    {
        await using var app = await StartThrottledAsync();
        for (var i = 0; i < 5; i++)
        {
            using var failed = await LoginAsync(app, "alice", Wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var sixth = await LoginAsync(app, "alice", Wrong);

        Assert.Equal(HttpStatusCode.TooManyRequests, sixth.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(15), sixth.Headers.RetryAfter!.Delta);
        Assert.Equal("text/html", sixth.Content.Headers.ContentType!.MediaType);
        Assert.Contains(
            """<p class="alert" role="alert" id="login-error">Too many failed sign-in attempts; try again in 15 minutes.</p>""",
            await sixth.Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_RefusesTheRightPassword_WhileTheNameIsLockedOut()
    {
        await using var app = await StartThrottledAsync();
        await FailAsync(app, "alice", 5);
        time.Advance(TimeSpan.FromMinutes(10));

        using var right = await LoginAsync(app, "ALICE", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(5), right.Headers.RetryAfter!.Delta);
        Assert.Contains("try again in 5 minutes.", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = await app.Client.GetAsync("/api/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Login_WorksAgain_WhenTheWindowHasPassed()
    {
        await using var app = await StartThrottledAsync();
        await FailAsync(app, "alice", 5);
        time.Advance(TimeSpan.FromMinutes(15));

        using var right = await LoginAsync(app, "alice", Password);

        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal("alice U0ALICE", await app.Client.GetStringAsync("/api/whoami"));
    }

    [Fact]
    public async Task Login_LetsAnotherNameSignIn_WhileOneNameIsLockedOut()
    {
        var settings = WithApprover();
        settings["Approvers:bob:PasswordHash"] = settings["Approvers:alice:PasswordHash"];
        await using var app = await StartThrottledAsync(settings);
        await FailAsync(app, "alice", 5);

        using var bob = await LoginAsync(app, "bob", Password);

        Assert.Equal(HttpStatusCode.Redirect, bob.StatusCode);
        Assert.Equal("bob ", await app.Client.GetStringAsync("/api/whoami"));
    }

    [Fact]
    public async Task Login_ClearsTheNameCount_WhenTheRightPasswordIsGiven()
    {
        await using var app = await StartThrottledAsync();
        await FailAsync(app, "alice", 4);
        using var first = await LoginAsync(app, "alice", Password);
        await FailAsync(app, "alice", 4);

        using var second = await LoginAsync(app, "alice", Password);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, second.StatusCode);
    }

    [Fact]
    public async Task Login_Returns429ForEveryName_WhenTheAddressHasFailedTooOften()
    {
        var settings = WithApprover();
        settings["Web:MaxFailedSignInsPerAddress"] = "3";
        settings["Web:FailedSignInWindow"] = "00:02:00";
        await using var app = await StartThrottledAsync(settings);
        await FailAsync(app, "mallory", 1);
        await FailAsync(app, "oscar", 1);
        await FailAsync(app, "trent", 1);

        using var alice = await LoginAsync(app, "alice", Password);
        time.Advance(TimeSpan.FromMinutes(2));
        using var later = await LoginAsync(app, "alice", Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, alice.StatusCode);
        Assert.Equal(TimeSpan.FromMinutes(2), alice.Headers.RetryAfter!.Delta);
        Assert.Contains("try again in 2 minutes.", await alice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, later.StatusCode);
    }

    private Task<LoopbackApp> StartThrottledAsync(Dictionary<string, string?>? settings = null) =>
        StartAsync(settings ?? WithApprover(), services: services => services.AddSingleton<TimeProvider>(time));

    private static async Task FailAsync(LoopbackApp app, string name, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var failed = await LoginAsync(app, name, Wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }
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
