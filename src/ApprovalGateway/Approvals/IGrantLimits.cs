namespace ApprovalGateway.Approvals;

/// <summary>
/// What the policy in force lets an approval give as a time-boxed grant, read once when the approval resolves: the
/// instance that resolves it records the grant, so its policy decides, and every channel reads the stored result.
/// </summary>
internal interface IGrantLimits
{
    /// <summary>The limit the policy in force sets on the grant <paramref name="approved"/> gives, or null when it sets none.</summary>
    GrantLimit? For(ApprovalSnapshot approved);
}
