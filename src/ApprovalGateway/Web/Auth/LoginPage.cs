using System.Text.Encodings.Web;

namespace ApprovalGateway.Web.Auth;

/// <summary>The sign-in page: one small form, no script, styles inline so the CSP can forbid everything else.</summary>
internal static class LoginPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static string Render(string formField, string token, string returnUrl, string? name, string? error, bool hasApprovers)
    {
        var html = HtmlEncoder.Default;
        var message = error is null ? "" : $"""<p class="error" role="alert" id="login-error">{html.Encode(error)}</p>""";
        var notice = hasApprovers
            ? ""
            : """<p class="note">No approvers are configured: this gateway serves its page to this machine only, as <strong>local</strong>.</p>""";
        var described = error is null ? "" : """ aria-describedby="login-error" aria-invalid="true" """;
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Approval Gateway</title>
            <style>
              :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
              body { display: grid; place-items: center; min-height: 100vh; margin: 0; background: Canvas; color: CanvasText; }
              main { width: min(22rem, 90vw); padding: 2rem; border: 1px solid GrayText; border-radius: .75rem; }
              h1 { font-size: 1.4rem; margin: 0 0 1.25rem; }
              label { display: block; font-weight: 600; margin: 1rem 0 .35rem; }
              input[type=text], input[type=password] { box-sizing: border-box; width: 100%; padding: .6rem; font: inherit; border: 1px solid GrayText; border-radius: .4rem; }
              input:focus-visible, button:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
              button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0; border-radius: .4rem; background: #1f5fbf; color: #fff; cursor: pointer; }
              .error { color: #b00020; background: #fde7ea; padding: .6rem; border-radius: .4rem; }
              .note { font-size: .9rem; }
            </style>
            </head>
            <body>
            <main>
              <h1>Approval Gateway</h1>
              {{message}}{{notice}}
              <form method="post" action="/login">
                <input type="hidden" name="{{html.Encode(formField)}}" value="{{html.Encode(token)}}">
                <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
                <label for="name">Name</label>
                <input id="name" name="name" type="text" autocomplete="username" required autofocus value="{{html.Encode(name ?? "")}}"{{described}}>
                <label for="password">Password</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required{{described}}>
                <button type="submit">Sign in</button>
              </form>
            </main>
            </body>
            </html>
            """;
    }
}
