namespace ApprovalGateway.Web.Auth;

/// <summary>The answer of <c>GET /api/antiforgery</c>: send <see cref="Token"/> in the <see cref="HeaderName"/> header.</summary>
internal sealed record AntiforgeryToken(string Token, string HeaderName);
