namespace ApprovalGateway.Web.Auth;

/// <summary>
/// The answer of <c>GET /api/me</c>: who the page is signed in as. A rule names its approvers by either, so the page
/// needs both to tell which held calls are waiting for this approver.
/// </summary>
internal sealed record SignedInApprover(string Name, string? SlackUserId);
