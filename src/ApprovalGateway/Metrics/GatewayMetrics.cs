using System.Diagnostics;
using System.Diagnostics.Metrics;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Proxy;

namespace ApprovalGateway.Metrics;

/// <summary>
/// The gateway's own instruments, on the meter <see cref="MeterName"/>. Calls are counted from the audit records
/// they end with, so a dashboard shows what the audit log can prove; a call whose record could not be written is
/// counted as <see cref="AuditFailedOutcome"/>, the one figure worth an alert of its own.
/// </summary>
internal sealed class GatewayMetrics
{
    public const string MeterName = "ApprovalGateway";

    public const string AuditFailedOutcome = "audit_failed";

    // Seconds, from a fast allowed call to well past the default five-minute approval timeout.
    private static readonly double[] CallBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly double[] WaitBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Histogram<double> _approvalWait;
    private readonly UpDownCounter<long> _held;
    private readonly Counter<long> _decisions;
    private readonly UpDownCounter<long> _sessions;
    private readonly Counter<long> _sessionsRefused;

    // Swapped whole on each reload, so a scrape reads one consistent value without a lock.
    private volatile Measurement<int>[] _policyReloadFailed = [];

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _calls = meter.CreateCounter<long>(
            "approval_gateway.tool_calls", "{call}", "tools/call requests that ended, by upstream, tool, agent, risk and outcome.");
        _callDuration = meter.CreateHistogram(
            "approval_gateway.tool_call.duration", "s", "Time from a tools/call's arrival to its answer, approval waits included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        _upstreamDuration = meter.CreateHistogram(
            "approval_gateway.upstream.duration", "s", "Time an upstream took to answer a forwarded call.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        _approvalWait = meter.CreateHistogram(
            "approval_gateway.approval.wait", "s", "Time a held call waited for its decision, by how it ended.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WaitBuckets });
        _held = meter.CreateUpDownCounter<long>(
            "approval_gateway.approvals.held", "{call}", "Calls this instance holds for a human's decision now.");
        _decisions = meter.CreateCounter<long>(
            "approval_gateway.approval.decisions", "{decision}", "Decisions people sent, by upstream, channel and what became of them.");
        _sessions = meter.CreateUpDownCounter<long>(
            "approval_gateway.sessions.open", "{session}", "Agents' MCP sessions this instance serves now, by agent.");
        _sessionsRefused = meter.CreateCounter<long>(
            "approval_gateway.sessions.refused", "{session}", "New sessions refused by Gateway:MaxSessionsPerAgent or Gateway:MaxSessions.");
        meter.CreateObservableGauge(
            "approval_gateway.policy.reload_failed", () => _policyReloadFailed, unit: null,
            description: "1 while the policy file's last edit was rejected and the last good policy is in force, 0 otherwise.");
    }

    /// <summary>Counts a call once its final record is stored; the record written before forwarding is not an end.</summary>
    public void CallEnded(AuditRecord record)
    {
        if (record.LetsCallGo)
        {
            return;
        }

        Count(record, record.Outcome);
        var upstream = new KeyValuePair<string, object?>("upstream", record.Upstream);
        var outcome = new KeyValuePair<string, object?>("outcome", record.Outcome);
        _callDuration.Record(record.TotalMilliseconds / 1000, upstream, outcome);
        if (record.UpstreamMilliseconds > 0)
        {
            _upstreamDuration.Record(record.UpstreamMilliseconds / 1000, upstream);
        }

        if (record.ApprovalId is not null)
        {
            _approvalWait.Record(record.WaitMilliseconds / 1000, upstream, outcome);
        }
    }

    /// <summary>Counts a call that ended without its record: the gateway refused it because the audit sink failed.</summary>
    public void AuditFailed(AuditRecord record) => Count(record, AuditFailedOutcome);

    /// <summary>Counts a request refused outside the pipeline of a known tool (an unidentified caller, an unknown tool).</summary>
    public void Refused(AuditRecord record) => Count(record, record.Outcome);

    public void SessionOpened(string agent) => _sessions.Add(1, new KeyValuePair<string, object?>("agent", agent));

    public void SessionClosed(string agent) => _sessions.Add(-1, new KeyValuePair<string, object?>("agent", agent));

    public void SessionRefused(string agent, string limit) =>
        _sessionsRefused.Add(1, new KeyValuePair<string, object?>("agent", agent), new KeyValuePair<string, object?>("limit", limit));

    /// <summary>The outcome of the policy file's last load; the <c>path</c> label tells several gateways on one host apart.</summary>
    public void PolicyLoaded(string path, bool rejected) =>
        _policyReloadFailed = [new Measurement<int>(rejected ? 1 : 0, new KeyValuePair<string, object?>("path", path))];

    public void HoldStarted(string upstream) => _held.Add(1, new KeyValuePair<string, object?>("upstream", upstream));

    public void HoldEnded(string upstream) => _held.Add(-1, new KeyValuePair<string, object?>("upstream", upstream));

    /// <summary>
    /// One decision sent through Slack, the page, the API or the agent's client; <c>not_allowed</c> counts people
    /// who tried to decide what they may not.
    /// </summary>
    public void Decided(string? upstream, string channel, bool approve, DecisionResultKind result) => _decisions.Add(
        1,
        new KeyValuePair<string, object?>("upstream", upstream ?? ""),
        new KeyValuePair<string, object?>("channel", channel),
        new KeyValuePair<string, object?>("decision", approve ? "approve" : "reject"),
        new KeyValuePair<string, object?>("result", ResultName(result)));

    private static string ResultName(DecisionResultKind result) => result switch
    {
        DecisionResultKind.Resolved => "resolved",
        DecisionResultKind.AwaitingMoreApprovals => "awaiting_more_approvals",
        DecisionResultKind.AlreadyResolved => "already_resolved",
        DecisionResultKind.NotAllowed => "not_allowed",
        _ => "not_found",
    };

    private void Count(AuditRecord record, string outcome)
    {
        var tags = new TagList
        {
            { "upstream", record.Upstream },
            { "tool", record.Tool },
            { "agent", record.Agent ?? AgentClaims.Anonymous },
            { "risk", record.RiskClass },
            { "outcome", outcome },
        };
        _calls.Add(1, tags);
    }
}
