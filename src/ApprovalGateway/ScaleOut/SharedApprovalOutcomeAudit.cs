using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// The instance holding a call records its outcome through the approval's mark, the same way survivors do for the
/// calls of a dead instance (<see cref="OrphanedApprovalReaper"/>), so the two never both write it. When the mark
/// cannot be read (storage unreachable, the approval gone, or still pending in storage because the withdrawal could
/// not be stored), the record is written anyway: a record twice is better than none.
/// </summary>
internal sealed class SharedApprovalOutcomeAudit(
    ApprovalStore store, HeldApprovals held, IAuditLog audit, ILogger<SharedApprovalOutcomeAudit> logger)
    : IApprovalOutcomeAudit
{
    public async Task<bool> AppendOnceAsync(string approvalId, AuditRecord record)
    {
        var appending = false;
        try
        {
            var (approval, written) = await store.RecordOutcomeAsync(
                approvalId,
                a => a,
                async (_, _) =>
                {
                    appending = true;
                    await audit.AppendAsync(record, CancellationToken.None);
                    return true;
                },
                CancellationToken.None);
            if (written || approval is { OutcomeRecorded: true })
            {
                // Recorded: nobody need look at this call again, should this instance die.
                held.Release(approvalId);
                return written;
            }
        }
        catch (Exception ex) when (!appending)
        {
            Log.OutcomeMarkUnreadable(logger, ex, approvalId);
        }

        await audit.AppendAsync(record, CancellationToken.None);
        return true;
    }
}
