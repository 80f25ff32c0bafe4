using ApprovalGateway.Approvals;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Slack;

internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Slack is not configured: approvals go to the web page and API only")]
    public static partial void SlackNotConfigured(ILogger logger);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Slack prompts go to channel {Channel}; clicks arrive over {ClickPath}")]
    public static partial void SlackConfigured(ILogger logger, string channel, string clickPath);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Posted the Slack prompt for approval {ApprovalId} to {Channel} (ts {Ts})")]
    public static partial void PromptPosted(ILogger logger, string approvalId, string channel, string ts);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Updated the Slack prompt for approval {ApprovalId} ({Status})")]
    public static partial void PromptUpdated(ILogger logger, string approvalId, ApprovalStatus status);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "The Slack prompt for approval {ApprovalId} was already posted (ts {Ts}); not posting again")]
    public static partial void PromptAlreadyPosted(ILogger logger, string approvalId, string ts);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Approval {ApprovalId} is no longer known; nothing to render in Slack")]
    public static partial void ApprovalGone(ILogger logger, string approvalId);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "No Slack prompt was stored for approval {ApprovalId} (its post gave up); posting its current state instead")]
    public static partial void UpdateWithoutPost(ILogger logger, string approvalId);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Could not queue the Slack prompt job for approval {ApprovalId}; the approval is unaffected, and the job is queued again in a moment")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Information, Message = "Found the Slack prompt for approval {ApprovalId} that an earlier attempt posted to {Channel} (ts {Ts}) without Slack's answer arriving; not posting it again")]
    public static partial void EarlierPromptFound(ILogger logger, string approvalId, string channel, string ts);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Could not check whether an earlier attempt already posted the Slack prompt for approval {ApprovalId} to {Channel} (conversations.history: {Error}); posting it again, so it may show twice. Give the Slack app the channels:history scope (groups:history for a private channel) and configure channels by ID")]
    public static partial void EarlierPromptUnknown(ILogger logger, string approvalId, string channel, string error);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Warning, Message = "Could not update the Slack prompt of approval {ApprovalId}, withdrawn as the gateway stops; its buttons stay until another instance runs its update job")]
    public static partial void ShutdownUpdateFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "The gateway stopped before every Slack prompt of a call withdrawn at shutdown was updated")]
    public static partial void ShutdownUpdatesUnfinished(ILogger logger);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Rejected a request to /slack/interactions from {RemoteAddress}: signature check {Check}; nothing was decided")]
    public static partial void SignatureRejected(ILogger logger, SlackSignatureCheck check, string? remoteAddress);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Ignored a Slack interaction: {Problem}")]
    public static partial void InteractionIgnored(ILogger logger, string problem);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Slack user {SlackUserId} ({Approver}) clicked {ActionId} on approval {ApprovalId}: {Result}")]
    public static partial void ClickDecided(ILogger logger, string slackUserId, string approver, string actionId, string approvalId, DecisionResultKind result);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Information, Message = "Ignored a repeated delivery of Slack user {SlackUserId}'s click on approval {ApprovalId}")]
    public static partial void ClickRepeated(ILogger logger, string slackUserId, string approvalId);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "The decision for approval {ApprovalId} from Slack user {SlackUserId} took longer than {Timeout}; the clicker is asked to retry")]
    public static partial void DecisionTimedOut(ILogger logger, string approvalId, string slackUserId, TimeSpan timeout);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Error, Message = "The decision for approval {ApprovalId} from Slack user {SlackUserId} failed")]
    public static partial void DecisionFailed(ILogger logger, Exception exception, string approvalId, string slackUserId);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Warning, Message = "Could not send the ephemeral answer for approval {ApprovalId} to Slack")]
    public static partial void EphemeralFailed(ILogger logger, Exception exception, string approvalId);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Slack Socket Mode connected")]
    public static partial void SocketModeConnected(ILogger logger);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information, Message = "Slack asked the Socket Mode connection to reconnect ({Reason})")]
    public static partial void SocketModeDisconnectRequested(ILogger logger, string? reason);

    [LoggerMessage(EventId = 4022, Level = LogLevel.Warning, Message = "Slack Socket Mode connection lost; reconnecting in {Delay}")]
    public static partial void SocketModeLost(ILogger logger, Exception? exception, TimeSpan delay);

    [LoggerMessage(EventId = 4023, Level = LogLevel.Warning, Message = "Ignored a Socket Mode message that is not valid JSON")]
    public static partial void SocketModeMalformed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Warning, Message = "Slack user {SlackUserId} ({Username}) clicked on approval {ApprovalId} but is linked to no configured approver (Approvers:{{name}}:SlackUserId); the click was not counted")]
    public static partial void ClickFromUnlinkedUser(ILogger logger, string slackUserId, string? username, string approvalId);

    [LoggerMessage(EventId = 4024, Level = LogLevel.Information, Message = "Queued the Slack prompt job for approval {ApprovalId} after an earlier attempt failed")]
    public static partial void PromptJobQueuedLate(ILogger logger, string approvalId);

    [LoggerMessage(EventId = 4025, Level = LogLevel.Warning, Message = "Still could not queue the Slack prompt job for approval {ApprovalId} ({Reason}); trying again in {DelaySeconds} s")]
    public static partial void PromptJobStillNotQueued(ILogger logger, string approvalId, double delaySeconds, string reason);
}
