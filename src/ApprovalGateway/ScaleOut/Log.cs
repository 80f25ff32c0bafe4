using ApprovalGateway.Approvals;

namespace ApprovalGateway.ScaleOut;

internal static partial class Log
{
    [LoggerMessage(8000, LogLevel.Warning, "Could not tell other gateway instances about approval {ApprovalId}; they are told to read again once this instance's channel to them is back (event 8033)")]
    public static partial void SignalPublishFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8001, LogLevel.Warning, "The PostgreSQL approval listener failed; reconnecting in {Delay}")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(8002, LogLevel.Warning, "Could not record that this instance holds the call of approval {ApprovalId}; the call is refused and its approval never shown")]
    public static partial void HoldNotRecorded(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8003, LogLevel.Warning, "Could not remove the held-call entry {Entry}; it is swept later")]
    public static partial void HoldNotRemoved(ILogger logger, Exception exception, string entry);

    [LoggerMessage(8004, LogLevel.Warning, "Approval {ApprovalId} withdrawn: gateway instance {InstanceName} (id {Instance}) holding its call stopped (last heartbeat {LastBeat:O})")]
    public static partial void OrphanWithdrawn(ILogger logger, string approvalId, string instanceName, string instance, DateTimeOffset? lastBeat);

    [LoggerMessage(8010, LogLevel.Information, "Gateway instance {InstanceName} (Gateway:Audit:Instance) has the id {Instance} in the shared storage; other instances name it by both should it stop with calls held (events 8004, 8021)")]
    public static partial void InstanceStarted(ILogger logger, string instance, string instanceName);

    [LoggerMessage(8040, LogLevel.Warning, "{Problem}")]
    public static partial void PoliciesDiffer(ILogger logger, string problem);

    [LoggerMessage(8041, LogLevel.Information, "Gateway instances have the same policy in force again")]
    public static partial void PoliciesAgree(ILogger logger);

    [LoggerMessage(8042, LogLevel.Warning, "Could not tell other gateway instances that audit records were written here; their pages' Audit tabs show them when next read (said once until it works again)")]
    public static partial void AuditAppendedNotPublished(ILogger logger, Exception exception);

    [LoggerMessage(8043, LogLevel.Warning, "Could not take this instance's policy out of the other instances' comparison as it stops; they stop counting it after ScaleOut:InstanceTimeout")]
    public static partial void PolicyEntryNotRemoved(ILogger logger, Exception exception);

    [LoggerMessage(8044, LogLevel.Warning, "Could not compare this instance's policy with the other instances'; trying again on the next sweep")]
    public static partial void PolicyComparisonFailed(ILogger logger, Exception exception);

    [LoggerMessage(8005, LogLevel.Warning, "Heartbeat or orphaned-approval sweep failed; retrying on the next beat")]
    public static partial void ReapFailed(ILogger logger, Exception exception);

    [LoggerMessage(8006, LogLevel.Warning, "Shared rate-limit counters ({Store}) unreachable; a call under rule {Rule} was refused as rate limited")]
    public static partial void RateLimitStoreUnavailable(ILogger logger, Exception? exception, string store, string rule);

    [LoggerMessage(8007, LogLevel.Warning, "Could not show this instance's pages the change to approval {ApprovalId} made on another instance; they see it on its next change or a reload")]
    public static partial void PageRelayFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8008, LogLevel.Warning, "Could not subscribe to Redis for approval wake-ups from other instances; retrying in {Delay}")]
    public static partial void RedisSubscribeFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(8009, LogLevel.Error, "Approval {ApprovalId} was withdrawn for its stopped instance, but its audit record could not be written")]
    public static partial void OrphanNotAudited(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8030, LogLevel.Warning, "Could not tell other gateway instances that approver '{Approver}' signed out; they are told to reload their live pages once this instance's channel to them is back (event 8033)")]
    public static partial void SignOutPublishFailed(ILogger logger, Exception exception, string approver);

    [LoggerMessage(8031, LogLevel.Warning, "The channel to other gateway instances is not up after {Wait}; starting without it, and live pages connected meanwhile reload once it is")]
    public static partial void ChannelNotYetConnected(ILogger logger, TimeSpan wait);

    [LoggerMessage(8032, LogLevel.Information, "This instance may have missed messages from other gateway instances (its channel to them is up again, or another instance's is after publishing failed there); {Count} live page(s) reconnect to read what they missed")]
    public static partial void PagesReloadAfterReconnection(ILogger logger, int count);

    [LoggerMessage(8033, LogLevel.Information, "The channel to other gateway instances is back after messages to them failed; told them to read approvals and reload live pages again")]
    public static partial void MissedPublished(ILogger logger);

    [LoggerMessage(8034, LogLevel.Warning, "Could not tell other gateway instances that messages to them failed; trying again on the next reconnection")]
    public static partial void MissedPublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(8020, LogLevel.Warning, "Could not check whether the outcome of approval {ApprovalId} was already recorded; recording it anyway")]
    public static partial void OutcomeMarkUnreadable(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(8021, LogLevel.Warning, "Approval {ApprovalId} ended {Status} after gateway instance {InstanceName} (id {Instance}) holding its call stopped (last heartbeat {LastBeat:O}); its outcome is recorded here")]
    public static partial void OrphanOutcomeRecorded(ILogger logger, string approvalId, ApprovalStatus status, string instanceName, string instance, DateTimeOffset? lastBeat);

    [LoggerMessage(9401, LogLevel.Information, "Shared Hangfire storage reachable again; other instances get one instance timeout from now to beat before their held calls are withdrawn")]
    public static partial void StorageBack(ILogger logger);
}
