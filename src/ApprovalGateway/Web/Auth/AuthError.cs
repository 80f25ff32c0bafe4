namespace ApprovalGateway.Web.Auth;

/// <summary>The JSON body of an auth refusal on <c>/api/*</c>.</summary>
internal sealed record AuthError(string Error);
