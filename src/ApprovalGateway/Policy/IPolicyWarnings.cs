namespace ApprovalGateway.Policy;

/// <summary>
/// A warning about the policy that comes from outside its file, such as another instance having a different policy in
/// force: <c>GET /api/policy</c> lists it beside the file's own, and the page's policy panel shows it where admins look.
/// </summary>
internal interface IPolicyWarnings
{
    /// <summary>The warning as it stands, or null while there is none.</summary>
    string? Warning { get; }
}
