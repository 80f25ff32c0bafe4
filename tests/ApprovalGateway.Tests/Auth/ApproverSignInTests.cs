using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Web.Auth;
using static ApprovalGateway.Tests.Auth.AuthTestApp;

namespace ApprovalGateway.Tests.Auth;

public sealed class ApproverSignInTests
{
    [Fact]
    public async Task Login_SetsCookieAndReturnsToProtectedPage_WhenPasswordIsRight()
    {
        await using var app = await StartAsync(WithApprover());

        using var login = await LoginAsync(app, "alice", Password, returnUrl: "/page");

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/page", login.Headers.Location!.OriginalString);
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AuthExtensions.CookieName + "=", StringComparison.Ordinal));
        Assert.Equal("page for alice", await app.Client.GetStringAsync("/page"));
        Assert.Equal("alice U0ALICE", await app.Client.GetStringAsync("/api/whoami"));
    }

    [Fact]
    public async Task Login_Refuses_WhenPasswordIsWrong()
    {
        await using var app = await StartAsync(WithApprover());

        using var login = await LoginAsync(app, "alice", "wrong password", returnUrl: "/page");

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Contains("Wrong name or password.", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var api = await app.Client.GetAsync("/api/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Login_IgnoresReturnUrl_WhenItPointsToAnotherSite()
    {
        await using var app = await StartAsync(WithApprover());

        using var login = await LoginAsync(app, "alice", Password, returnUrl: "//evil.example/steal");

        Assert.Equal("/", login.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/foo\u3000/", "/foo%E3%80%80/")]
    [InlineData("/caf\u00e9?q=\u00fc#top", "/caf%C3%A9?q=%C3%BC#top")]
    [InlineData("/\uFF0F\uFF0Fevil.example/steal", "/%EF%BC%8F%EF%BC%8Fevil.example/steal")]
    public async Task Login_ReturnsToAPathWithCharactersOutsideAscii_PercentEncodedOnThisSite(string returnUrl, string location)
    {
        await using var app = await StartAsync(WithApprover());

        using var login = await LoginAsync(app, "alice", Password, returnUrl);
        using var page = await app.Client.GetAsync($"/login?returnUrl={Uri.EscapeDataString(returnUrl)}");

        // A Location header carries ASCII only: Kestrel answered 500 to the raw path after a correct password.
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(location, login.Headers.Location!.OriginalString);
        Assert.Contains($"name=\"returnUrl\" value=\"{location}\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_Returns400_WhenFormHasNoAntiforgeryToken()
    {
        await using var app = await StartAsync(WithApprover());

        using var login = await app.Client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "alice",
            ["password"] = Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        using var api = await app.Client.GetAsync("/api/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task ProtectedRoutes_RedirectPagesToLoginButAnswerApi401_WhenNotSignedIn()
    {
        await using var app = await StartAsync(WithApprover());

        using var page = await app.Client.GetAsync("/page");
        using var api = await app.Client.GetAsync("/api/whoami");
        using var hub = await app.Client.GetAsync("/hubs/approvals");

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/login?returnUrl=%2Fpage", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Null(api.Headers.Location);
        Assert.Equal(HttpStatusCode.Unauthorized, hub.StatusCode);
    }

    [Fact]
    public async Task LoginPage_IsAccessibleForm_WithLabelsAndAutofocus()
    {
        await using var app = await StartAsync(WithApprover());

        using var response = await app.Client.GetAsync("/login?returnUrl=%2Fpage");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<label for=\"name\">Name</label>", html, StringComparison.Ordinal);
        Assert.Contains("<label for=\"password\">Password</label>", html, StringComparison.Ordinal);
        Assert.Contains("autofocus", html, StringComparison.Ordinal);
        Assert.Contains("name=\"returnUrl\" value=\"/page\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CookiePost_IsRefusedWithoutAntiforgeryHeader_AndAcceptedWithIt()
    {
        await using var app = await StartAsync(WithApprover());
        using var login = await LoginAsync(app, "alice", Password, returnUrl: "/");

        using var without = await app.Client.PostAsync("/api/echo", null);
        var token = await app.Client.GetFromJsonAsync<JsonObject>("/api/antiforgery");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo");
        request.Headers.Add(token!["header_name"]!.GetValue<string>(), token["token"]!.GetValue<string>());
        using var with = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        Assert.Contains("anti-forgery", (await without.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("X-CSRF-TOKEN", token["header_name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal("posted by alice", await with.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Logout_SignsOut_WhenTokenIsSent()
    {
        await using var app = await StartAsync(WithApprover());
        using var login = await LoginAsync(app, "alice", Password, returnUrl: "/");
        var token = await app.Client.GetFromJsonAsync<JsonObject>("/api/antiforgery");

        using var refused = await app.Client.PostAsync("/logout", null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/logout");
        request.Headers.Add("X-CSRF-TOKEN", token!["token"]!.GetValue<string>());
        using var logout = await app.Client.SendAsync(request);
        using var after = await app.Client.GetAsync("/api/whoami");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task BearerApproverToken_WorksOnApiWithoutAntiforgery()
    {
        await using var app = await StartAsync(WithApprover());

        using var read = await SendAsync(app, HttpMethod.Get, "/api/whoami", AliceToken);
        using var write = await SendAsync(app, HttpMethod.Post, "/api/echo", AliceToken);

        Assert.Equal("alice U0ALICE", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, write.StatusCode);
        Assert.Equal("posted by alice", await write.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AgentKey_IsRefusedOnApi_AndApproverTokenIsRefusedOnMcp()
    {
        await using var app = await StartAsync(WithApprover());

        using var agentOnApi = await SendAsync(app, HttpMethod.Get, "/api/whoami", AgentKey);
        using var approverOnMcp = await SendAsync(app, HttpMethod.Post, "/mcp", AliceToken);
        using var agentOnMcp = await SendAsync(app, HttpMethod.Post, "/mcp", AgentKey);

        Assert.Equal(HttpStatusCode.Unauthorized, agentOnApi.StatusCode);
        Assert.Equal("Bearer", agentOnApi.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, approverOnMcp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, agentOnMcp.StatusCode);
    }

    private static async Task<HttpResponseMessage> LoginAsync(LoopbackApp app, string name, string password, string returnUrl)
    {
        var page = await app.Client.GetStringAsync("/login");
        return await app.Client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormToken(page),
            ["name"] = name,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        }));
    }

    private static async Task<HttpResponseMessage> SendAsync(LoopbackApp app, HttpMethod method, string path, string bearer)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await app.Client.SendAsync(request);
    }
}
