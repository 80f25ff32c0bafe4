using System.Net;
using ApprovalGateway.Tests.Auth;
using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>alice, the approver the scale-out tests sign in through the sign-in form, as a browser does.</summary>
internal static class ApproverBrowser
{
    public const string Password = "correct horse battery";

    /// <summary>The setting that gives alice <see cref="Password"/>.</summary>
    public static Dictionary<string, string?> AlicePassword() =>
        new() { ["Approvers:alice:PasswordHash"] = PasswordHasher.Hash(Password, PasswordHasher.MinimumIterations) };

    /// <summary>
    /// A browser signed in as alice through the sign-in form at <paramref name="gateway"/>. Behind a load balancer its
    /// <paramref name="cookies"/> go to every instance (cookies do not tell ports apart).
    /// </summary>
    public static async Task<HttpClient> SignInAsync(Uri gateway, CookieContainer cookies)
    {
        var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        var form = await browser.GetStringAsync(new Uri(gateway, "/login"));
        using var login = await browser.PostAsync(new Uri(gateway, "/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AuthTestApp.FormToken(form),
            ["name"] = "alice",
            ["password"] = Password,
        }));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return browser;
    }
}
