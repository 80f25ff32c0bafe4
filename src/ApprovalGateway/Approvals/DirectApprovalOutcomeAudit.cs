using ApprovalGateway.Audit;

namespace ApprovalGateway.Approvals;

/// <summary>A single instance holds all its calls, so nobody else could have recorded their outcome.</summary>
internal sealed class DirectApprovalOutcomeAudit(IAuditLog audit) : IApprovalOutcomeAudit
{
    public async Task<bool> AppendOnceAsync(string approvalId, AuditRecord record)
    {
        await audit.AppendAsync(record, CancellationToken.None);
        return true;
    }
}
