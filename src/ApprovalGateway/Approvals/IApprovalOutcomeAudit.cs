using ApprovalGateway.Audit;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Writes the audit record of how a held call's approval ended: one instance alone just appends it; instances
/// sharing storage write it once between them, whether the instance holding the call writes it or, once that one
/// has died, a survivor does.
/// </summary>
internal interface IApprovalOutcomeAudit
{
    /// <summary>
    /// Appends <paramref name="record"/>, the outcome of approval <paramref name="approvalId"/>, unless another
    /// instance has recorded that outcome already: false then, and nothing is written. Throws when the audit log does.
    /// </summary>
    Task<bool> AppendOnceAsync(string approvalId, AuditRecord record);
}
