namespace ApprovalGateway.Agents;

/// <summary>An RFC 7591 client registration error, the answer to <c>POST /register</c>.</summary>
internal sealed record OAuthRegistrationError(string Error, string ErrorDescription);
