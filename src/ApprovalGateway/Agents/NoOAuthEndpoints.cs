using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ApprovalGateway.Agents;

/// <summary>
/// The OAuth client registration endpoint MCP clients fall back to after a 401 from <c>/mcp</c>, answered with what
/// the gateway wants instead. Clients built on the TypeScript SDK (mcp-remote, which Claude Desktop launches, among
/// them) start an OAuth sign-in on any 401, find no authorization server metadata, try <c>POST /register</c> and
/// report its answer's body; without one that says so, an operator who left out the agent key reads only
/// "Dynamic Client Registration rejected (HTTP 404)".
/// </summary>
internal static class NoOAuthEndpoints
{
    public const string Explanation =
        "This MCP endpoint is an ApprovalGateway; it takes no OAuth sign-in. Give the MCP client the agent's key " +
        "(Gateway:Agents:{name}:ApiKey) in the header Authorization: Bearer AGENT_KEY; with mcp-remote, " +
        "--header \"Authorization:Bearer AGENT_KEY\".";

    public static IEndpointRouteBuilder MapNoOAuthRegistration(this IEndpointRouteBuilder endpoints)
    {
        // RFC 7591's error shape, so clients that read its fields show the description, and others show the body.
        endpoints.MapPost("/register", () => Results.Json(
            new OAuthRegistrationError("unsupported_registration", Explanation),
            AgentJsonContext.Default.OAuthRegistrationError,
            statusCode: StatusCodes.Status404NotFound))
            .ExcludeFromDescription();
        return endpoints;
    }
}
