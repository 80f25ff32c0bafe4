using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Slack;
using ApprovalGateway.Upstreams;
using ApprovalGateway.Web;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The path of one <c>tools/call</c>: decide (policy), hold (approvals), forward (upstream), record (audit).
/// Every path ends in an audit record written before the agent gets its answer; a forwarded call also has one
/// written before it is sent, so a call whose record cannot be written never reaches the upstream.
/// </summary>
internal sealed class ToolCallPipeline(
    IToolCallPolicy policy,
    IApprovalGate approvals,
    IApprovalDecisions decisions,
    IApproverDirectory approvers,
    IAuditLog audit,
    IApprovalOutcomeAudit outcomes,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<ToolCallPipeline> logger)
{
    /// <summary>Sends the (frozen) arguments to the upstream and returns its raw result.</summary>
    public delegate Task<JsonNode?> Forward(JsonObject arguments, CancellationToken cancellationToken);

    public async Task<JsonNode?> CallAsync(
        SessionIdentity session,
        UpstreamTool tool,
        JsonObject? arguments,
        Forward forward,
        IProgress<ApprovalWaitStatus>? progress,
        IClientApprovalPrompt? clientPrompt,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task>? agentConnected = null,
        Func<string?>? cancelReason = null)
    {
        var started = time.GetTimestamp();
        if (UnreadableJson.Find(arguments) is { } problem)
        {
            throw await RefuseUnreadableArgumentsAsync(session, tool, tool.Name, problem, started);
        }

        var frozen = arguments?.DeepClone().AsObject() ?? [];
        // Approvers, the audit and metrics see the risk the decision used: the policy's `classify` may raise it.
        var trail = new Trail(session, tool, policy.ApplyOverrides(tool.Name, tool.Risk), frozen, started);

        var decision = await DecideAsync(session, trail, recheck: false);
        trail.PolicyDone(decision, time.GetElapsedTime(started));
        Log.PolicyDecided(logger, session.Agent, tool.Name, decision.Kind, decision.Rule);

        switch (decision.Kind)
        {
            case DecisionKind.Hidden:
                await RecordAsync(trail, DecisionKind.Hidden, "hidden by policy");
                throw UnknownTool(tool.Name);
            case DecisionKind.Denied:
                var reason = decision.Reason ?? $"denied by {decision.Rule}";
                var denied = $"Policy denied: {reason}";
                await RecordAsync(trail, DecisionKind.Denied, reason, told: denied);
                return ToolCallResults.Refused(tool, DecisionKind.Denied, denied, reason, decision.Rule);
            case DecisionKind.RateLimited:
                var limit = decision.Reason ?? "rate limit exceeded";
                var limited = $"Rate limit: {limit}, retry in {decision.RetryAfterSeconds ?? 1} s";
                await RecordAsync(trail, DecisionKind.RateLimited, limit, told: limited);
                return ToolCallResults.Refused(tool, DecisionKind.RateLimited, limited, limit, decision.Rule, decision.RetryAfterSeconds);
            case DecisionKind.ApprovalRequired:
                var outcome = await HoldAsync(session, tool, trail, decision, progress, clientPrompt, cancelReason, cancellationToken);
                if (outcome.Kind != DecisionKind.Approved)
                {
                    return await RefuseAfterHoldAsync(trail, tool, decision, outcome, cancellationToken);
                }

                if (await RefuseIfPolicyNowForbidsAsync(session, trail, outcome) is { } refused)
                {
                    return refused;
                }

                await WaitForTheAgentAsync(trail, outcome, agentConnected, cancellationToken);
                break;
        }

        return await ForwardAsync(trail, forward, cancelReason, cancellationToken);
    }

    /// <summary>
    /// Records a call to a tool no upstream serves, so the audit log shows an agent trying names as well as calling
    /// hidden tools, and returns the error to answer it with. The agent is told the tool is unknown whether or not
    /// the record could be written.
    /// </summary>
    public async Task<McpProtocolException> RefuseUnknownToolAsync(SessionIdentity session, string name, JsonObject? arguments)
    {
        var started = time.GetTimestamp();
        if (UnreadableJson.Find(arguments) is { } problem)
        {
            // The same answer a known (or hidden) tool gets for these arguments, so it does not tell them apart.
            return await RefuseUnreadableArgumentsAsync(session, null, name, problem, started);
        }

        var outcome = DecisionKind.UnknownTool.ToWireName();
        var masked = SecretMasker.MaskCopy(arguments) ?? [];
        var record = new AuditRecord(
            time.GetUtcNow(), session.Agent, session.SessionId, "", name, masked,
            CanonicalJson.Sha256(masked), outcome, "", outcome, "no upstream serves this tool", null, [], "", 0, 0, 0, 0);
        await RefusalRecord.AppendAsync(audit, metrics, logger, record, DecisionKind.UnknownTool, knownTool: false);
        return UnknownTool(name);
    }

    /// <summary>
    /// Records a call whose arguments are JSON but not an object (a string, an array), which no policy reads and MCP
    /// does not allow, and returns the error to answer it with, as for arguments the gateway cannot read.
    /// </summary>
    public Task<McpProtocolException> RefuseArgumentsNotAnObjectAsync(SessionIdentity session, UpstreamTool? tool, string name, JsonNode arguments)
    {
        var given = arguments.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.Array => "an array",
            _ => "a boolean",
        };
        return RefuseArgumentsAsync(
            session, tool, name, $"{given}, not an object", $"arguments are {given}, not an object", "tools/call 'arguments' must be an object.", time.GetTimestamp());
    }

    /// <summary>
    /// Records a call whose arguments the gateway cannot read, before anything decides on them, and returns the
    /// error to answer it with: the agent is told what is wrong whether or not the record could be written.
    /// </summary>
    private Task<McpProtocolException> RefuseUnreadableArgumentsAsync(
        SessionIdentity session, UpstreamTool? tool, string name, string problem, long started) =>
        RefuseArgumentsAsync(
            session, tool, name, problem, $"arguments are not valid JSON for the gateway: {problem}",
            $"Arguments of tools/call are not valid JSON for the gateway: {problem}.", started);

    private async Task<McpProtocolException> RefuseArgumentsAsync(
        SessionIdentity session, UpstreamTool? tool, string name, string problem, string reason, string told, long started)
    {
        Log.ArgumentsUnreadable(logger, session.Agent, name, problem);
        var outcome = DecisionKind.InvalidArguments.ToWireName();
        var record = new AuditRecord(
            time.GetUtcNow(), session.Agent, session.SessionId, tool?.UpstreamName ?? "", name, null, "", outcome, "", outcome, reason, null, [],
            tool is null ? "" : policy.ApplyOverrides(tool.Name, tool.Risk).Risk.ToString().ToLowerInvariant(), 0, 0, 0, time.GetElapsedTime(started).TotalMilliseconds);
        await RefusalRecord.AppendAsync(audit, metrics, logger, record, DecisionKind.InvalidArguments, knownTool: tool is not null);
        return new McpProtocolException(told, McpErrorCode.InvalidParams);
    }

    private async ValueTask<PolicyDecision> DecideAsync(SessionIdentity session, Trail trail, bool recheck)
    {
        var tool = trail.Tool;
        try
        {
            var element = JsonSerializer.SerializeToElement(trail.Arguments, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonObject)));
            var facts = new ToolCallFacts(tool.Name, tool.UpstreamName, session.Agent, session.SessionId, element, trail.Risk);
            return recheck ? await policy.RecheckAsync(facts) : await policy.DecideAsync(facts);
        }
        catch (Exception ex)
        {
            // Fail closed: a policy that cannot decide denies.
            Log.PolicyFailed(logger, tool.Name, ex);
            return new PolicyDecision(DecisionKind.Denied, "error", "the policy could not evaluate this call");
        }
    }

    /// <summary>
    /// An admin who denies or hides a tool while calls to it wait for approval means those calls too: an approval
    /// given for a call the policy no longer lets through does not send it. A stricter approval rule does not
    /// undo an approval already given.
    /// </summary>
    private async Task<JsonNode?> RefuseIfPolicyNowForbidsAsync(SessionIdentity session, Trail trail, ApprovalOutcome outcome)
    {
        var now = await DecideAsync(session, trail, recheck: true);
        if (now.Kind is not (DecisionKind.Denied or DecisionKind.Hidden))
        {
            return null;
        }

        var forbids = now.Kind == DecisionKind.Hidden
            ? "no longer offers this tool"
            : $"now denies it: {now.Reason ?? $"denied by {now.Rule}"}";
        var reason = $"approved by {string.Join(", ", outcome.DecidedBy)}, but the policy in force at its release {forbids}";
        Log.ReleaseRefusedByPolicy(logger, outcome.ApprovalId, trail.Tool.Name, now.Rule);
        var text = $"Policy denied: {reason}. The call was not sent.";
        await RecordAsync(trail, DecisionKind.Denied, reason, told: text);
        return ToolCallResults.Refused(
            trail.Tool, DecisionKind.Denied, text, reason, now.Rule, approvalId: outcome.ApprovalId, decidedBy: outcome.DecidedBy);
    }

    /// <summary>
    /// A call approved while its agent's connection was down is sent once the agent is back for its answer, never for
    /// an agent that went away: some clients cancel a call by dropping its connection, and the approver cannot tell.
    /// </summary>
    private async Task WaitForTheAgentAsync(
        Trail trail, ApprovalOutcome outcome, Func<CancellationToken, Task>? agentConnected, CancellationToken cancellationToken)
    {
        if (agentConnected is null)
        {
            return;
        }

        try
        {
            await agentConnected(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await RecordAsync(trail, DecisionKind.Withdrawn,
                $"approved by {string.Join(", ", outcome.DecidedBy)}, but the agent had gone (its connection dropped and it did not come back, " +
                "or it ended its session) before the call could be sent, so it was not sent");
            throw;
        }
    }

    private async Task<ApprovalOutcome> HoldAsync(
        SessionIdentity session,
        UpstreamTool tool,
        Trail trail,
        PolicyDecision decision,
        IProgress<ApprovalWaitStatus>? progress,
        IClientApprovalPrompt? clientPrompt,
        Func<string?>? cancelReason,
        CancellationToken cancellationToken)
    {
        var settings = decision.Approval ?? ApprovalSettings.Default;
        var request = new ApprovalRequest(
            session.Agent,
            session.Owner,
            session.SessionId,
            tool.UpstreamName,
            tool.Name,
            trail.Arguments,
            trail.ArgumentsSha256,
            trail.Risk,
            decision.Rule,
            settings,
            decision.Reason,
            ToolArgumentCheck.Problems(tool, trail.Arguments));
        var waitStarted = time.GetTimestamp();
        using var asking = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? askInClient = null;
        if (clientPrompt is not null && settings.Channels.Contains(ApprovalDecisions.ElicitationChannel))
        {
            // The gate reports the new approval's id first thing; that is when the client can be asked.
            progress = new HoldStarted(progress, approvalId =>
                askInClient ??= Task.Run(() => AskInClientAsync(clientPrompt, approvalId, session, tool, request, asking.Token), CancellationToken.None));
        }

        ApprovalOutcome outcome;
        metrics.HoldStarted(tool.UpstreamName);
        try
        {
            outcome = await approvals.RequestAsync(request, progress, cancellationToken, cancelReason);
        }
        finally
        {
            metrics.HoldEnded(tool.UpstreamName);
        }

        await asking.CancelAsync();
        if (askInClient is not null)
        {
            await askInClient;
        }

        trail.HoldDone(outcome, time.GetElapsedTime(waitStarted));
        Log.HoldEnded(logger, outcome.ApprovalId, tool.Name, outcome.Kind);
        return outcome;
    }

    /// <summary>
    /// MCP elicitation as one more approval channel: the person at the agent's client answers as the agent's
    /// owner (or the agent itself), and the decision service applies the rule's limits to that answer like any other.
    /// </summary>
    private async Task AskInClientAsync(
        IClientApprovalPrompt prompt, string approvalId, SessionIdentity session, UpstreamTool tool, ApprovalRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await prompt.AskAsync(ClientPromptText(tool, request), cancellationToken);
            var identity = session.Owner is { } owner
                ? approvers.FindByName(owner) ?? new ApproverIdentity(owner, null)
                : new ApproverIdentity(session.Agent, null);
            if (answer is null && !request.Settings.RejectOnElicitationDecline)
            {
                Log.ClientDeclined(logger, approvalId);
                return;
            }

            var result = await decisions.DecideAsync(
                approvalId,
                identity,
                answer?.Approve ?? false,
                answer is null ? "declined in the agent's client" : answer.Reason,
                grantMinutes: null,
                ApprovalDecisions.ElicitationChannel,
                cancellationToken);
            Log.ClientAnswered(logger, approvalId, identity.Name, result.Kind, result.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Someone else decided first, or the call ended: the client's prompt is cancelled with it.
        }
        catch (Exception ex)
        {
            Log.ClientPromptFailed(logger, approvalId, ex.Message);
        }
    }

    internal static string ClientPromptText(UpstreamTool tool, ApprovalRequest request)
    {
        var masked = SecretMasker.MaskCopy(request.FrozenArguments) ?? [];
        // The agent wrote these arguments: a hidden character must not make them read as something else.
        var args = InvisibleCharacters.Escape(string.Join(", ", masked.Select(p =>
            $"{p.Key}={(p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value?.ToJsonString() ?? "null")}")));
        var hidden = InvisibleCharacters.In(masked);
        var warning = hidden.Count == 0
            ? ""
            : $" Warning: the arguments contain invisible or direction-changing characters ({string.Join(", ", hidden.Select(InvisibleCharacters.Name))}), shown as \\u escapes.";
        if (request.ArgumentProblems is { Count: > 0 } problems)
        {
            warning += $" Warning: {ApprovalText.SchemaMismatch}: {string.Join("; ", problems)}.";
        }
        return $"Approve {tool.Name}({args})?{warning} Risk: {request.Risk.Risk.ToString().ToLowerInvariant()}, {request.Risk.Reason}. " +
            $"Rule: {request.Rule}. It expires in {FormatDuration(request.Settings.Timeout)} without a decision.";
    }

    /// <summary>Passes wait updates on, and tells the pipeline the approval id as soon as the gate reports it.</summary>
    private sealed class HoldStarted(IProgress<ApprovalWaitStatus>? inner, Action<string> started) : IProgress<ApprovalWaitStatus>
    {
        public void Report(ApprovalWaitStatus value)
        {
            started(value.ApprovalId);
            inner?.Report(value);
        }
    }

    private async Task<JsonNode?> RefuseAfterHoldAsync(
        Trail trail, UpstreamTool tool, PolicyDecision decision, ApprovalOutcome outcome, CancellationToken cancellationToken)
    {
        var who = string.Join(", ", outcome.DecidedBy);
        var timeout = (decision.Approval ?? ApprovalSettings.Default).Timeout;
        var (text, reason) = outcome.Kind switch
        {
            DecisionKind.Rejected => (
                $"Rejected by {who}{(outcome.Reason is null ? "" : $": {outcome.Reason}")}",
                outcome.Reason ?? $"rejected by {who}"),
            DecisionKind.RateLimited => ($"Rate limit: {outcome.Reason}. Retry once some are decided.", outcome.Reason!),
            DecisionKind.Expired => (
                $"Approval timed out: nobody approved {tool.Name} within {FormatDuration(timeout)}, so it was not run.",
                $"approval timed out after {FormatDuration(timeout)}"),
            _ => ($"The call was withdrawn: {outcome.Reason ?? "the agent cancelled it"}.", outcome.Reason ?? "withdrawn"),
        };
        await RecordAsync(trail, outcome.Kind, reason, told: text);
        cancellationToken.ThrowIfCancellationRequested();
        return ToolCallResults.Refused(tool, outcome.Kind, text, reason, decision.Rule, approvalId: outcome.ApprovalId, decidedBy: outcome.DecidedBy);
    }

    private async Task<JsonNode?> ForwardAsync(Trail trail, Forward forward, Func<string?>? cancelReason, CancellationToken cancellationToken)
    {
        // A call a grant released says so from its first record, not only once it has ended.
        await RecordAsync(trail, DecisionKind.Forwarding, trail.ReleasedBy, "so it did not send the call to the upstream");
        if (trail.RecordedElsewhere)
        {
            // The other instances took this one for stopped and withdrew the approved call, saying it was not sent.
            var withdrawn = "the other gateway instances took the instance holding the call for stopped and withdrew it before it was sent";
            return ToolCallResults.Refused(
                trail.Tool, DecisionKind.Withdrawn, $"The call was withdrawn before it was sent: {withdrawn}.", withdrawn, trail.Rule, approvalId: trail.ApprovalId);
        }

        var upstreamStarted = time.GetTimestamp();
        try
        {
            var result = await forward(trail.Arguments, cancellationToken);
            trail.UpstreamDone(time.GetElapsedTime(upstreamStarted));
            if (result is not JsonObject)
            {
                var message = $"Upstream '{trail.Tool.UpstreamName}' answered the call with a result that is not a JSON object, so the gateway did not pass it on.";
                await RecordSentAsync(trail, DecisionKind.UpstreamFailed, message);
                return ToolCallResults.Refused(trail.Tool, DecisionKind.UpstreamFailed, message, message, trail.Rule);
            }

            var isError = result?["isError"] is JsonValue v && v.TryGetValue<bool>(out var e) && e;
            await RecordSentAsync(trail, DecisionKind.Forwarded, isError ? "the tool reported an error" : null);
            return result;
        }
        catch (UpstreamUnavailableException ex)
        {
            trail.UpstreamDone(time.GetElapsedTime(upstreamStarted));
            await RecordSentAsync(trail, DecisionKind.UpstreamFailed, ex.Message);
            return ToolCallResults.Refused(trail.Tool, DecisionKind.UpstreamFailed, ex.Message, ex.Message, trail.Rule);
        }
        catch (McpProtocolException ex)
        {
            trail.UpstreamDone(time.GetElapsedTime(upstreamStarted));
            await RecordSentAsync(trail, DecisionKind.UpstreamFailed, ex.Message);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            trail.UpstreamDone(time.GetElapsedTime(upstreamStarted));
            await RecordSentAsync(
                trail,
                DecisionKind.Withdrawn,
                cancelReason?.Invoke() is { } why ? $"the call was cancelled while the upstream ran it: {why}" : "the agent cancelled the call while the upstream ran it");
            throw;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // An upstream process that dies mid-call fails the pending request with a transport error, not a protocol one.
            trail.UpstreamDone(time.GetElapsedTime(upstreamStarted));
            var message = $"Upstream '{trail.Tool.UpstreamName}' failed during the call: {ex.Message}";
            await RecordSentAsync(trail, DecisionKind.UpstreamFailed, message);
            return ToolCallResults.Refused(trail.Tool, DecisionKind.UpstreamFailed, message, message, trail.Rule);
        }
    }

    /// <summary>
    /// The outcome of a call the upstream has had: its <c>forwarding</c> record is written, and telling the agent
    /// that the call did not complete when it may have (an order placed) would invite it to place it twice. So the
    /// agent gets its answer whether or not this record could be written, and the failure is logged as critical.
    /// A call a grant released says so however it ended, as its <c>forwarding</c> record did.
    /// </summary>
    private Task RecordSentAsync(Trail trail, DecisionKind outcome, string? reason) =>
        TryRecordAsync(trail, outcome, trail.WithRelease(reason), sent: true);

    /// <param name="told">
    /// What the agent is told of a refusal: if its record cannot be written it still learns why it was refused (a
    /// shutdown, a denial, a rejection) as well as that the record failed, not only the latter.
    /// </param>
    private async Task RecordAsync(
        Trail trail, DecisionKind outcome, string? reason, string consequence = "so it did not complete the call", string? told = null)
    {
        if (!await TryRecordAsync(trail, outcome, reason, sent: false))
        {
            throw new McpProtocolException(
                $"The gateway could not write its audit record, {consequence}." + (told is null ? "" : $" {told.TrimEnd('.')}."),
                McpErrorCode.InternalError);
        }
    }

    private async Task<bool> TryRecordAsync(Trail trail, DecisionKind outcome, string? reason, bool sent)
    {
        var record = trail.ToRecord(time.GetUtcNow(), outcome, reason, time.GetElapsedTime(trail.Started));
        try
        {
            // The first record after a hold is its approval's outcome: another instance may have written it already.
            if (trail.TakeHeldApproval() is { } approvalId)
            {
                if (!await outcomes.AppendOnceAsync(approvalId, record))
                {
                    Log.OutcomeRecordedElsewhere(logger, approvalId, trail.Tool.Name, outcome);
                    trail.RecordedElsewhere = true;
                    return true;
                }
            }
            else
            {
                // The agent's answer waits for the record; a cancelled agent must not cancel its own audit trail.
                await audit.AppendAsync(record, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            metrics.AuditFailed(record);
            if (sent)
            {
                Log.SentCallOutcomeNotRecorded(logger, trail.Tool.Name, outcome, ex.Message);
            }
            else
            {
                Log.AuditFailed(logger, trail.Tool.Name, outcome, ex.Message);
            }

            return false;
        }

        metrics.CallEnded(record);
        return true;
    }

    internal static McpProtocolException UnknownTool(string name) =>
        new($"Unknown tool: '{name}'", McpErrorCode.InvalidParams);

    internal static string FormatDuration(TimeSpan span) =>
        span.TotalMinutes >= 1
            ? $"{(int)span.TotalMinutes}m{(span.Seconds > 0 ? $" {span.Seconds}s" : "")}"
            : $"{(int)span.TotalSeconds}s";

    /// <summary>What one call collected on its way, for its audit record.</summary>
    private sealed class Trail(SessionIdentity session, UpstreamTool tool, ToolRisk risk, JsonObject arguments, long started)
    {
        /// <summary>
        /// Masked once for every record of the call (the sinks copy what they keep). The hash is of this masked copy:
        /// an unsalted hash of the values themselves would let anyone who reads the audit try every six-digit code a
        /// masked <c>otp</c> might hold until one matched.
        /// </summary>
        private readonly JsonObject _masked = SecretMasker.MaskCopy(arguments) ?? [];
        private string? _sha256;

        public UpstreamTool Tool { get; } = tool;
        public ToolRisk Risk { get; } = risk;
        public JsonObject Arguments { get; } = arguments;
        public string ArgumentsSha256 => _sha256 ??= CanonicalJson.Sha256(_masked);
        public long Started { get; } = started;
        public string Rule { get; private set; } = "";
        private DecisionKind _decision;
        private TimeSpan _policy, _wait, _upstream;
        private string? _approvalId;
        private string? _heldApprovalId;
        private IReadOnlyList<string> _decidedBy = [];

        public void PolicyDone(PolicyDecision decision, TimeSpan elapsed) => (_decision, Rule, _policy) = (decision.Kind, decision.Rule, elapsed);

        /// <summary>Set when a time-boxed grant released the call, so its record tells it from a call approved itself.</summary>
        public string? ReleasedBy { get; private set; }

        public string? ApprovalId => _approvalId;

        /// <summary>True when another instance had already recorded the outcome of this call's approval.</summary>
        public bool RecordedElsewhere { get; set; }

        /// <summary>The approval this call was held on, once: only the first record after the hold is its outcome.</summary>
        public string? TakeHeldApproval()
        {
            var id = _heldApprovalId;
            _heldApprovalId = null;
            return id;
        }

        public void HoldDone(ApprovalOutcome outcome, TimeSpan elapsed)
        {
            (_approvalId, _decidedBy, _wait) = (outcome.ApprovalId, outcome.DecidedBy, elapsed);

            // A grant's approval ended long ago, and a hold that never began has none. An approval the gate ended itself
            // as not stored is marked recorded already: its call's record is written as one never held, or not at all.
            _heldApprovalId = outcome.ViaGrant || outcome.NotHeld || outcome.ApprovalId.Length == 0 ? null : outcome.ApprovalId;
            ReleasedBy = outcome.ReleasingGrant is { } grant ? $"released by a time-boxed grant ({outcome.Reason}) given on approval {grant}" : null;
        }

        public void UpstreamDone(TimeSpan elapsed) => _upstream = elapsed;

        /// <summary>An outcome's reason that still names the grant which released the call, however the call ended.</summary>
        public string? WithRelease(string? reason) =>
            ReleasedBy is null ? reason : reason is null ? ReleasedBy : $"{reason}; {ReleasedBy}";

        public AuditRecord ToRecord(DateTimeOffset now, DecisionKind outcome, string? reason, TimeSpan total) => new(
            now,
            session.Agent,
            session.SessionId,
            Tool.UpstreamName,
            Tool.Name,
            _masked,
            ArgumentsSha256,
            _decision.ToWireName(),
            Rule,
            outcome.ToWireName(),
            reason,
            _approvalId,
            _decidedBy,
            Risk.Risk.ToString().ToLowerInvariant(),
            _policy.TotalMilliseconds,
            _wait.TotalMilliseconds,
            _upstream.TotalMilliseconds,
            total.TotalMilliseconds);
    }
}
