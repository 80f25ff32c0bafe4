using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Approvals;

internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Approval {ApprovalId} pending: agent {Agent} calls {Upstream}/{Tool} (rule {Rule}), deadline {Deadline:O}")]
    public static partial void ApprovalCreated(ILogger logger, string approvalId, string agent, string upstream, string tool, string rule, DateTimeOffset deadline);

    // The summary starts with the outcome: "Withdrawn: …", "Approved by alice".
    [LoggerMessage(3001, LogLevel.Information, "Approval {ApprovalId} resolved: {Summary}")]
    public static partial void ApprovalResolved(ILogger logger, string approvalId, string summary);

    [LoggerMessage(3002, LogLevel.Information, "Approval {ApprovalId}: {Approver} approved via {Channel}, {Count} of {Needed} approvals")]
    public static partial void VoteCounted(ILogger logger, string approvalId, string approver, string channel, int count, int needed);

    [LoggerMessage(3003, LogLevel.Warning, "Approval {ApprovalId}: {Approver} refused via {Channel}: {Message}")]
    public static partial void DecisionRefused(ILogger logger, string approvalId, string approver, string channel, string message);

    [LoggerMessage(3004, LogLevel.Information, "Approval {ApprovalId}: {Approver} came too late via {Channel}: {Message}")]
    public static partial void DecisionTooLate(ILogger logger, string approvalId, string approver, string channel, string message);

    [LoggerMessage(3005, LogLevel.Information, "Agent {Agent} call to {Upstream}/{Tool} approved by grant from approval {ApprovalId} until {Until:O}")]
    public static partial void ApprovedViaGrant(ILogger logger, string agent, string upstream, string tool, string approvalId, DateTimeOffset until);

    [LoggerMessage(3006, LogLevel.Information, "Approval {ApprovalId} granted {Agent} {Upstream}/{Tool} until {Until:O}")]
    public static partial void GrantRecorded(ILogger logger, string approvalId, string agent, string upstream, string tool, DateTimeOffset until);

    [LoggerMessage(3007, LogLevel.Error, "Approval observer {Observer} failed for approval {ApprovalId}")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string approvalId);

    [LoggerMessage(3008, LogLevel.Debug, "Expiry job for approval {ApprovalId} ran {Early} before the deadline; rescheduled")]
    public static partial void ExpiryRescheduled(ILogger logger, string approvalId, TimeSpan early);

    [LoggerMessage(3009, LogLevel.Error, "Local deadline backstop failed for approval {ApprovalId}; the expiry job remains")]
    public static partial void BackstopFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3010, LogLevel.Warning, "Approval {ApprovalId} vanished from storage while a call waited on it; treating it as expired")]
    public static partial void ApprovalVanished(ILogger logger, string approvalId);

    [LoggerMessage(3011, LogLevel.Warning, "Progress report for approval {ApprovalId} failed")]
    public static partial void ProgressFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3012, LogLevel.Warning, "Could not move the Hangfire job of approval {ApprovalId} to its final state {Status}")]
    public static partial void JobStateNotChanged(ILogger logger, Exception exception, string approvalId, ApprovalStatus status);

    [LoggerMessage(9403, LogLevel.Error, "Could not store the approval for {Agent}'s call of {Upstream}/{Tool}; the call is refused")]
    public static partial void ApprovalNotStored(ILogger logger, Exception exception, string agent, string upstream, string tool);

    [LoggerMessage(9402, LogLevel.Warning, "Could not read approval {ApprovalId} while its call waits; reading again in {Retry} or on the next signal")]
    public static partial void ApprovalReadFailed(ILogger logger, Exception exception, string approvalId, TimeSpan retry);

    [LoggerMessage(3013, LogLevel.Information, "The time-boxed grant of approval {ApprovalId} does not cover this call of {Agent} to {Tool}, which asks again: {Why}")]
    public static partial void GrantNotHonoured(ILogger logger, string approvalId, string agent, string tool, string why);

    [LoggerMessage(3014, LogLevel.Information, "{Approver} revoked the time-boxed grant of approval {ApprovalId} for {Agent} {Upstream}/{Tool}, which ran until {Until:O}")]
    public static partial void GrantRevoked(ILogger logger, string approver, string approvalId, string agent, string upstream, string tool, DateTimeOffset until);

    [LoggerMessage(3015, LogLevel.Error, "The time-boxed grant of approval {ApprovalId} is revoked, but the audit log could not record it")]
    public static partial void GrantRevocationNotAudited(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3016, LogLevel.Warning, "The time-boxed grant of approval {ApprovalId} is revoked, but the approval could not be updated, so its Slack prompt and page entry may still show the grant")]
    public static partial void GrantRevocationNotNoted(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3017, LogLevel.Warning, "{Method} {Path} answered 503: approval storage unreachable ({Problem})")]
    public static partial void StorageUnreachable(ILogger logger, string method, string path, string problem);

    [LoggerMessage(3018, LogLevel.Information, "Approval {ApprovalId} released by the time-boxed grant of approval {GrantApprovalId}, given while it waited")]
    public static partial void ReleasedByGrant(ILogger logger, string approvalId, string grantApprovalId);

    [LoggerMessage(3019, LogLevel.Warning, "The time-boxed grant of approval {GrantApprovalId} is given, but calls already waiting that it covers could not be released; they wait for a decision of their own")]
    public static partial void GrantReleaseFailed(ILogger logger, Exception exception, string grantApprovalId);

    [LoggerMessage(3020, LogLevel.Warning, "Could not check whether a time-boxed grant given meanwhile covers approval {ApprovalId}; it waits for a decision of its own")]
    public static partial void LateGrantCheckFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3030, LogLevel.Warning, "The outcome of approval {ApprovalId} is in the audit log, but could not be marked recorded; should its instance die before the approval is cleaned up, another may record it a second time")]
    public static partial void OutcomeNotMarked(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(3021, LogLevel.Warning, "Could not end approval {ApprovalId}, never shown, after its call was refused as not stored; trying again in the background until its deadline {Deadline:O} (event 3022 once ended)")]
    public static partial void ApprovalNotDiscarded(ILogger logger, Exception exception, string approvalId, DateTimeOffset deadline);

    [LoggerMessage(3022, LogLevel.Information, "Approval {ApprovalId}, never shown, whose call was refused as not stored, is ended now that approval storage answers again")]
    public static partial void ApprovalDiscardedLate(ILogger logger, string approvalId);

    [LoggerMessage(3023, LogLevel.Warning, "Gave up ending approval {ApprovalId}, never shown, whose call was refused as not stored: approval storage did not answer before its deadline, when it expires into the history")]
    public static partial void ApprovalNotDiscardedByDeadline(ILogger logger, string approvalId);

    [LoggerMessage(3024, LogLevel.Warning, "Could not check the time-boxed grants against the {Occasion}: approval storage did not answer; one it no longer honours stays listed, but releases no call while the policy says so")]
    public static partial void PolicyEditGrantsNotChecked(ILogger logger, Exception exception, string occasion);

    [LoggerMessage(3025, LogLevel.Warning, "Could not revoke the time-boxed grant of approval {ApprovalId} under the {Occasion} ({Why}); it stays listed, but releases no call while the policy says so")]
    public static partial void PolicyEditGrantNotRevoked(ILogger logger, Exception exception, string approvalId, string occasion, string why);

    [LoggerMessage(3040, LogLevel.Information, "Approval {ApprovalId} released the call of {Agent} to {Upstream}/{Tool} but gives no time-boxed grant: {Why} (the policy changed while the call waited)")]
    public static partial void GrantWithheld(ILogger logger, string approvalId, string agent, string upstream, string tool, string why);

    [LoggerMessage(3041, LogLevel.Information, "Approval {ApprovalId} gives {Agent} {Upstream}/{Tool} a time-boxed grant of {Minutes} min, less than asked for: {Why} (the policy changed while the call waited)")]
    public static partial void GrantShortened(ILogger logger, string approvalId, string agent, string upstream, string tool, int minutes, string why);
}
