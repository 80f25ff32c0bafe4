namespace ApprovalGateway.Approvals;

/// <summary>
/// Told of each time-boxed grant this instance records, with the grant, so it can be checked against the policy in
/// force now: the policy the approval read may have been edited before the grant was saved. Apart from
/// <see cref="IGrantObserver"/> because a checker revokes through <see cref="GrantRevocation"/>, which tells those.
/// Implementations must not throw and must return quickly: they run on the decision path, under the approval's lock.
/// </summary>
internal interface IGrantGivenObserver
{
    void OnGrantGiven(ApprovalGrant grant);
}
