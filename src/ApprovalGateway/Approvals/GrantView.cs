namespace ApprovalGateway.Approvals;

/// <summary>
/// A grant in force as <c>GET /api/grants</c> returns it and the live page's hub pushes it (snake_case on the wire).
/// A grant is named by the approval that gave it: <c>POST /api/grants/{approval_id}/revoke</c> ends it.
/// </summary>
/// <param name="GrantedAt">Null only for a grant stored by a gateway version that did not record it.</param>
internal sealed record GrantView(
    string ApprovalId,
    string Agent,
    string Upstream,
    string Tool,
    IReadOnlyList<string> GrantedBy,
    string? Rule,
    DateTimeOffset? GrantedAt,
    DateTimeOffset EndsAt)
{
    public static GrantView From(ApprovalGrant grant) =>
        new(grant.ApprovalId, grant.Agent, grant.Upstream, grant.Tool, grant.GrantedBy, grant.Rule, grant.GrantedAt, grant.Until);

    /// <summary>Every grant in force now, the soonest to end first: the list the API returns and the hub pushes.</summary>
    public static GrantView[] InForce(IGrantStore grants, TimeProvider time) => [.. grants.List(time.GetUtcNow()).Select(From)];
}
