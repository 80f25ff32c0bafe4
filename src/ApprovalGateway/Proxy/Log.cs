using ApprovalGateway.Policy.Decisions;

namespace ApprovalGateway.Proxy;

internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Debug, "Agent '{Agent}' calls {Tool}: {Decision} by {Rule}.")]
    public static partial void PolicyDecided(ILogger logger, string agent, string tool, DecisionKind decision, string rule);

    [LoggerMessage(1101, LogLevel.Error, "The policy failed on {Tool}; the call is denied.")]
    public static partial void PolicyFailed(ILogger logger, string tool, Exception exception);

    [LoggerMessage(1102, LogLevel.Information, "Approval {ApprovalId} for {Tool} ended: {Outcome}.")]
    public static partial void HoldEnded(ILogger logger, string approvalId, string tool, DecisionKind outcome);

    // Without the exception: the sink has logged it with its stack (events 5002, 5005), once per batch, not per call.
    [LoggerMessage(1103, LogLevel.Critical, "The audit record of {Tool} ({Outcome}) could not be written: {Reason}")]
    public static partial void AuditFailed(ILogger logger, string tool, DecisionKind outcome, string reason);

    [LoggerMessage(1104, LogLevel.Information, "Session {SessionId} of agent '{Agent}' opened ({Client}).")]
    public static partial void SessionOpened(ILogger logger, string sessionId, string agent, string client);

    [LoggerMessage(1105, LogLevel.Information, "Session {SessionId} of agent '{Agent}' closed.")]
    public static partial void SessionClosed(ILogger logger, string sessionId, string agent);

    [LoggerMessage(1106, LogLevel.Warning, "Relaying {Method} from upstream '{Upstream}' to the agent failed: {Reason}")]
    public static partial void RelayToAgentFailed(ILogger logger, string method, string upstream, string reason);

    [LoggerMessage(1107, LogLevel.Information, "Approval {ApprovalId}: the agent's client answered as {Approver}: {Result} ({Message}).")]
    public static partial void ClientAnswered(ILogger logger, string approvalId, string approver, ApprovalGateway.Approvals.DecisionResultKind result, string message);

    [LoggerMessage(1108, LogLevel.Warning, "Approval {ApprovalId}: asking the agent's client failed: {Reason}")]
    public static partial void ClientPromptFailed(ILogger logger, string approvalId, string reason);

    [LoggerMessage(1109, LogLevel.Information, "Approval {ApprovalId}: the agent's client declined the prompt; the call keeps waiting for an approver.")]
    public static partial void ClientDeclined(ILogger logger, string approvalId);

    [LoggerMessage(1110, LogLevel.Error, "Session {SessionId}: handling {Method} failed; the agent got an internal error.")]
    public static partial void RequestFailed(ILogger logger, string method, string sessionId, Exception exception);

    [LoggerMessage(1111, LogLevel.Warning, "A new MCP session was refused: {Message}")]
    public static partial void SessionRefused(ILogger logger, string message);

    [LoggerMessage(1190, LogLevel.Warning, "Refused an MCP request from a web page at {Origin} (client {RemoteIp}): its origin is not in Gateway:AllowedOrigins.")]
    public static partial void OriginRefused(ILogger logger, string? origin, string? remoteIp);

    [LoggerMessage(1191, LogLevel.Warning, "Approval {ApprovalId} for {Tool} was given, but {Rule} of the policy in force at its release forbids the call; it was not sent.")]
    public static partial void ReleaseRefusedByPolicy(ILogger logger, string approvalId, string tool, string rule);

    [LoggerMessage(1192, LogLevel.Critical, "The outcome record of {Tool} ({Outcome}) could not be written after the upstream had the call ({Reason}); the agent got its answer, and the call's last record is its forwarding record.")]
    public static partial void SentCallOutcomeNotRecorded(ILogger logger, string tool, DecisionKind outcome, string reason);

    [LoggerMessage(1112, LogLevel.Information, "Agent '{Agent}' called {Tool} with arguments the gateway cannot read ({Problem}); the call was refused.")]
    public static partial void ArgumentsUnreadable(ILogger logger, string agent, string tool, string problem);

    [LoggerMessage(1193, LogLevel.Warning, "Upstream '{Upstream}' came back, but setting up {Method} again as the agent had it failed: {Reason}")]
    public static partial void RestoreFailed(ILogger logger, string upstream, string method, string reason);

    [LoggerMessage(1121, LogLevel.Debug, "Upstream '{Upstream}' sent {Method} after session {SessionId} had been told so (by the gateway or an earlier notice) and had not listed since; not told twice")]
    public static partial void ListChangeAlreadyTold(ILogger logger, string upstream, string method, string sessionId);

    [LoggerMessage(1122, LogLevel.Debug, "Upstream '{Upstream}' could not list {Method} again when session {SessionId}'s own session there opened, so whether the agent's list changed is not known and it keeps the one it has: {Reason}")]
    public static partial void ListRecheckFailed(ILogger logger, string upstream, string method, string sessionId, string reason);

    [LoggerMessage(1120, LogLevel.Warning, "Upstream '{Upstream}' could not list its tools for session {SessionId}; its tools are listed as last known: {Reason}")]
    public static partial void SessionToolListFailed(ILogger logger, string upstream, string sessionId, string reason);

    [LoggerMessage(1123, LogLevel.Warning, "Upstream '{Upstream}' answered {Method} for session {SessionId} with error {Code}: {Reason}; its items are left out of the list merged from the other upstreams.")]
    public static partial void ListLeftOut(ILogger logger, string upstream, string method, string sessionId, int code, string reason);

    [LoggerMessage(1113, LogLevel.Warning, "The stdio client sent a line that is not a JSON-RPC message ({Length} bytes); it was answered with error {Code}: {Message}")]
    public static partial void StdioLineUnreadable(ILogger logger, int code, int length, string message);

    [LoggerMessage(1114, LogLevel.Warning, "The stdio client sent a line of more than {MaxBytes} bytes (Gateway:MaxRequestBodyBytes); it was skipped and answered with error -32600.")]
    public static partial void StdioLineTooLong(ILogger logger, long maxBytes);

    [LoggerMessage(1115, LogLevel.Debug, "An agent's connection broke while it sent its message (session '{SessionId}'): {Reason}")]
    public static partial void AgentConnectionBroke(ILogger logger, string sessionId, string reason);

    [LoggerMessage(1130, LogLevel.Warning, "Approval {ApprovalId} of a {Tool} call: another gateway instance had already recorded its outcome, taking this one for stopped, so this instance's {Outcome} record was not written")]
    public static partial void OutcomeRecordedElsewhere(ILogger logger, string approvalId, string tool, DecisionKind outcome);
}
