using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Decisions;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Policy;

/// <summary>
/// Puts each policy this instance applies (at startup too) and each edit it rejects in the audit log, so an auditor
/// can tell which rules were in force when a call was decided: outcome (and decision) <c>policy_loaded</c> or
/// <c>policy_rejected</c>, the file and the SHA-256 of its bytes (and of the policy in force) in fields of their own,
/// its rules or first error in <c>reason</c>, and no agent, session, upstream, tool or arguments, as the other records
/// that are not calls.
/// </summary>
/// <remarks>
/// The policy the instance starts with is recorded while the host starts, before any call is served, so the log says
/// which rules decided the first call; a sink slower than <see cref="StartupWait"/> finishes it in the background,
/// still before the next change. Later changes are written from <see cref="PolicyStore.Changes"/> in the background:
/// a reload never waits for the audit sink, and a sink that refuses a record is logged (event 2004, with the record's
/// reason) without undoing the reload.
/// </remarks>
internal sealed class PolicyChangeAudit(PolicyStore store, IAuditLog audit, ILogger<PolicyChangeAudit> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(10);
    private static readonly string Loaded = DecisionKind.PolicyLoaded.ToWireName();
    private static readonly string Rejected = DecisionKind.PolicyRejected.ToWireName();

    private readonly CancellationTokenSource _stopping = new();
    private Task _writing = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var first = store.Changes.TryRead(out var startup) ? WriteAsync(startup) : Task.CompletedTask;
        _writing = WriteChangesAsync(first, _stopping.Token);
        try
        {
            await first.WaitAsync(StartupWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Written when the sink answers; the gateway serves meanwhile, as it does while the sink is down.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _writing.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WriteChangesAsync(Task first, CancellationToken stopping)
    {
        await first;
        try
        {
            await foreach (var change in store.Changes.ReadAllAsync(stopping))
            {
                await WriteAsync(change);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // A change the instance has acted on is still recorded while it stops.
            while (store.Changes.TryRead(out var change))
            {
                await WriteAsync(change);
            }
        }
    }

    private static AuditRecord ToRecord(PolicyChange change)
    {
        var kind = change.Applied ? Loaded : Rejected;
        var file = change.Sha256 is { } sha256 ? $"{change.Path} (sha256 {sha256})" : change.Path;
        var reason = change.Applied
            ? $"policy {file} applied{(change.AtStartup ? " at startup" : "")}: {change.Detail}"
            : $"policy {file} rejected: {change.Detail}; the last good policy (sha256 {change.InForceSha256}) stays in force";
        // The reason still names the file and hashes: it is the sentence the page, the CSV and event 2004 show whole.
        return new AuditRecord(change.Time, null, "", "", "", null, "", kind, "", kind, reason, null, [], "", 0, 0, 0, 0)
        {
            PolicyPath = change.Path,
            PolicySha256 = change.Sha256,
            PolicyInForceSha256 = change.InForceSha256,
        };
    }

    private async Task WriteAsync(PolicyChange change)
    {
        var record = ToRecord(change);
        try
        {
            // No token: a change the instance has acted on is recorded even while it stops.
            await audit.AppendAsync(record, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.PolicyChangeNotAudited(logger, ex, record.Reason!);
        }
    }
}
