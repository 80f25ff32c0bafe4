namespace ApprovalGateway.Approvals;

/// <summary>
/// The time-boxed grant that approved a call already waiting when it was given: the call is released as a later call
/// of the grant would pass, so its prompts, the API and its audit records name the grant instead of a vote.
/// </summary>
/// <param name="ApprovalId">The approval that gave the grant (a grant is named by it).</param>
internal sealed record GrantRelease(string ApprovalId, IReadOnlyList<string> GrantedBy, DateTimeOffset Until);
