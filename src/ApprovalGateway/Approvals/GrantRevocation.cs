using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Decisions;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Ends a time-boxed grant before its time on an approver's word: it goes from the storage every instance reads, so
/// the next call it would have released asks again wherever it arrives; the audit log records who ended it; the pages
/// here hear of it, and those of other instances through the signal of the approval that gave it. The approval itself
/// notes the revocation, so its Slack prompt and the page stop saying the grant is in force.
/// </summary>
internal sealed class GrantRevocation(
    IGrantStore grants,
    ApprovalStore approvals,
    IAuditLog audit,
    IApprovalSignal signal,
    IEnumerable<IGrantObserver> observers,
    TimeProvider time,
    ILogger<GrantRevocation> logger)
{
    private static readonly string Revoked = DecisionKind.GrantRevoked.ToWireName();

    /// <summary>The grant ended, or null when no grant of approval <paramref name="approvalId"/> is in force.</summary>
    public async Task<GrantRevocationResult?> RevokeAsync(string approvalId, string approver, string? reason)
    {
        var now = time.GetUtcNow();
        if (grants.Revoke(approvalId, now) is not { } grant)
        {
            return null;
        }

        Log.GrantRevoked(logger, approver, approvalId, grant.Agent, grant.Upstream, grant.Tool, grant.Until);
        GrantObservers.Notify(observers, approvalId, logger);
        if (!await NoteOnApprovalAsync(approvalId, new GrantRevocationNote(approver, now, string.IsNullOrWhiteSpace(reason) ? null : reason)))
        {
            // Noting it signals the approval; without that, other instances' pages still need to hear of the grant.
            signal.Publish(approvalId);
        }

        var why = $"time-boxed grant until {grant.Until:u} from {string.Join(", ", grant.GrantedBy)} revoked by {approver}"
            + (string.IsNullOrWhiteSpace(reason) ? "" : $": {reason}");
        var record = new AuditRecord(
            now, grant.Agent, "", grant.Upstream, grant.Tool, null, "", Revoked, grant.Rule ?? "", Revoked, why, approvalId, [approver], "", 0, 0, 0, 0);
        try
        {
            // No caller's token: the grant has ended, so its record is written even if the caller has gone.
            await audit.AppendAsync(record, CancellationToken.None);
            return new GrantRevocationResult(grant, now, Audited: true);
        }
        catch (Exception ex)
        {
            Log.GrantRevocationNotAudited(logger, ex, approvalId);
            return new GrantRevocationResult(grant, now, Audited: false);
        }
    }

    /// <summary>
    /// Whether the approval now says its grant was revoked. The grant has ended either way: a prompt left saying
    /// otherwise is logged, not a reason to fail the revocation.
    /// </summary>
    private async Task<bool> NoteOnApprovalAsync(string approvalId, GrantRevocationNote note)
    {
        try
        {
            return await approvals.NoteGrantRevokedAsync(approvalId, note) is not null;
        }
        catch (Exception ex)
        {
            Log.GrantRevocationNotNoted(logger, ex, approvalId);
            return false;
        }
    }
}
