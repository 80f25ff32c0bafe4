using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Evaluation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Revokes, when a policy edit is applied, every time-boxed grant the edited rule no longer honours
/// (<see cref="ApprovalGrant.RefusalUnder"/>), as an approver's revoke does and recorded as the policy's: before, such a
/// grant stopped releasing calls but stayed listed, and came back if the admin raised <c>grant_minutes</c> again within
/// its window. Done here, once per edit, rather than on each call; each call still checks the grant against the policy
/// in force (<see cref="ApprovalGrant.Refusal"/>), which covers a revocation that failed. Instances sharing the storage
/// each apply the edit: the first revokes, the others find the grant gone and record nothing.
/// </summary>
internal sealed class PolicyEditGrantRevocation(
    PolicyStore policy,
    IGrantStore grants,
    GrantRevocation revocation,
    TimeProvider time,
    ILogger<PolicyEditGrantRevocation> logger) : IHostedService, IDisposable
{
    /// <summary>The name a revocation by a policy edit goes by: in <c>decided_by</c>, on the approval and in the log.</summary>
    public const string Revoker = "policy";

    private readonly Lock _gate = new();
    private IDisposable? _reloads;
    private CompiledPolicy? _reviewed;
    private Task _applied = Task.CompletedTask;

    /// <summary>Completes once the grants have been checked against the last policy reload (for whoever must know, tests).</summary>
    public Task Applied
    {
        get
        {
            lock (_gate)
            {
                return _applied;
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _reviewed = policy.Current;
        _reloads = ChangeToken.OnChange(policy.GetReloadToken, OnReload);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();

        // A revocation under way finishes, with its audit record, before the services it writes to stop.
        await Applied.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _reloads?.Dispose();

    private void OnReload()
    {
        lock (_gate)
        {
            // One at a time, off the reloading thread: revoking reads and writes the shared storage and the audit log.
            _applied = _applied.ContinueWith(_ => ReviewAsync(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    private async Task ReviewAsync()
    {
        // Every reload attempt fires the token; a rejected edit leaves the same policy in force and changes nothing.
        var current = policy.Current;
        if (ReferenceEquals(current, _reviewed))
        {
            return;
        }

        _reviewed = current;
        IReadOnlyList<ApprovalGrant> inForce;
        try
        {
            inForce = grants.List(time.GetUtcNow());
        }
        catch (Exception ex)
        {
            Log.PolicyEditGrantsNotChecked(logger, ex);
            return;
        }

        foreach (var grant in inForce)
        {
            if (grant.RefusalUnder(grant.Rule is { } rule ? current.RuleDecision(rule) : null) is not { } why)
            {
                continue;
            }

            try
            {
                await revocation.RevokeAsync(grant.ApprovalId, Revoker, $"policy edit: {why}");
            }
            catch (Exception ex)
            {
                Log.PolicyEditGrantNotRevoked(logger, ex, grant.ApprovalId, why);
            }
        }
    }
}
