namespace ApprovalGateway.Web.Auth;

/// <summary>One approver under <c>Approvers:{name}</c>: one person, whichever channel they use.</summary>
internal sealed class ApproverSettings
{
    /// <summary>For the sign-in page: <c>pbkdf2-sha256$iterations$salt-base64$hash-base64</c> (see <see cref="PasswordHasher"/>).</summary>
    public string? PasswordHash { get; set; }

    /// <summary>For scripts: sent as <c>Authorization: Bearer &lt;token&gt;</c> on <c>/api/*</c> and <c>/hubs/*</c>.</summary>
    public string? Token { get; set; }

    /// <summary>So a click in Slack counts as this approver.</summary>
    public string? SlackUserId { get; set; }
}
