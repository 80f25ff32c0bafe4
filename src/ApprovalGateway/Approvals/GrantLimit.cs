namespace ApprovalGateway.Approvals;

/// <summary>
/// The time-boxed grant an approval could give under the policy in force when it was approved, where that is less than
/// its approvers asked for under the rule it was held by (the policy was edited while the call waited): the call is
/// released all the same, a human approved it, but the grant recorded is the one the rule in force gives.
/// </summary>
/// <param name="Minutes">The longest grant the rule in force allowed; 0 when it allowed none.</param>
/// <param name="Why">"rule tools["X"] no longer offers time-boxed grants", for the approval's summary and the log.</param>
internal sealed record GrantLimit(int Minutes, string Why);
