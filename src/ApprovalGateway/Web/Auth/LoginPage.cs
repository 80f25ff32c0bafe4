using System.Text.Encodings.Web;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// The sign-in page: one small form in the page's own styles (<c>/css/app.css</c>, served to anyone), no script, so the
/// CSP can forbid everything but this origin's styles and images.
/// </summary>
internal static class LoginPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>The query flag <c>/logout</c> redirects with, so the form says the sign-out worked.</summary>
    public const string SignedOutFlag = "signed_out";

    public const string SignedOutText = "You are signed out.";

    public static string Render(string formField, string token, string returnUrl, string? name, string? error, bool hasApprovers, bool signedOut = false)
    {
        var html = HtmlEncoder.Default;
        var message = error is null ? "" : $"""<p class="alert" role="alert" id="login-error">{html.Encode(error)}</p>""";
        var status = signedOut && error is null ? $"""<p class="login-status" role="status">{SignedOutText}</p>""" : "";
        var notice = hasApprovers
            ? ""
            : """<p class="lede">No approvers are configured: this gateway serves its page to this machine only, as <strong>local</strong>.</p>""";
        var described = error is null ? "" : """ aria-describedby="login-error" aria-invalid="true" """;
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>Sign in · Approval Gateway</title>
            <link rel="icon" href="/img/icon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/css/app.css">
            </head>
            <body class="login-page">
            <main class="login">
              <div class="brand"><img src="/img/icon.svg" alt="" width="28" height="28"><span>Approval Gateway</span></div>
              <div class="panel login-panel">
                <h1>Sign in</h1>
                {{status}}{{message}}{{notice}}
                <form method="post" action="/login" class="login-form">
                  <input type="hidden" name="{{html.Encode(formField)}}" value="{{html.Encode(token)}}">
                  <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
                  <div class="field">
                    <label for="name">Name</label>
                    <input id="name" name="name" type="text" autocomplete="username" required autofocus value="{{html.Encode(name ?? "")}}"{{described}}>
                  </div>
                  <div class="field">
                    <label for="password">Password</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required{{described}}>
                  </div>
                  <button type="submit" class="btn btn-primary">Sign in</button>
                </form>
              </div>
            </main>
            </body>
            </html>
            """;
    }
}
