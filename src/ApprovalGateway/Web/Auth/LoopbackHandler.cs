using System.Net;
using System.Text.Encodings.Web;
using ApprovalGateway.Approvals;
using ApprovalGateway.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// With no approvers configured, the person at this machine is the approver <c>local</c>; nobody else is, not even a
/// web page their browser shows (<see cref="BrowserOrigins.IsLocalRequest"/>).
/// </summary>
internal sealed class LoopbackHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggerFactory, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private static readonly ApproverIdentity Local = new(ApproverSchemes.LocalName, null);

    public static bool IsLoopback(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip && IPAddress.IsLoopback(ClientAddress.Plain(ip))
        && BrowserOrigins.IsLocalRequest(context.Request);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(IsLoopback(Context)
            ? AuthenticateResult.Success(new AuthenticationTicket(ApproverPrincipal.Create(Local, Scheme.Name), Scheme.Name))
            : AuthenticateResult.NoResult());
}
