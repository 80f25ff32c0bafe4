namespace ApprovalGateway.Approvals;

/// <summary>
/// The approval services alone, without a policy (tests of that slice): the rule the call was held under stands.
/// The gateway replaces it with <see cref="PolicyGrantLimits"/>.
/// </summary>
internal sealed class HeldRuleGrantLimits : IGrantLimits
{
    public GrantLimit? For(ApprovalSnapshot approved) => null;
}
