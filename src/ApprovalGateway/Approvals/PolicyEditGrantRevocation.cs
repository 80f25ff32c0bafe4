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
/// <remarks>
/// The same review runs once when the gateway starts, against the policy it loaded: with a storage that keeps grants
/// across restarts (PostgreSQL), a policy edited while the gateway was stopped would otherwise leave the grants it no
/// longer honours listed until the next edit. The storage was checked reachable before the host started; a failure is
/// logged (3024, 3025) and the gateway starts all the same, as the per-call check still refuses such a grant. Started
/// in the background and waited for only <see cref="StartupWait"/>, so slow storage does not hold the start up.
/// <para>
/// An approval reads the policy when it resolves (<see cref="IGrantLimits"/>) and saves its grant a moment later; an edit
/// applied in between is reviewed before the grant is listed, so its review misses it. Each grant this instance records
/// is therefore checked once more against the policy in force (<see cref="OnGrantGiven"/>), in the same queue as the
/// reviews: whichever of the two runs last sees both the grant and the edit. A grant the policy still honours, the
/// usual case, costs one rule lookup there, off the decision path and never on a call's.
/// </para>
/// </remarks>
internal sealed class PolicyEditGrantRevocation(
    PolicyStore policy,
    IGrantStore grants,
    GrantRevocation revocation,
    TimeProvider time,
    ILogger<PolicyEditGrantRevocation> logger) : IHostedService, IGrantGivenObserver, IDisposable
{
    /// <summary>The name a revocation by a policy edit goes by: in <c>decided_by</c>, on the approval and in the log.</summary>
    public const string Revoker = "policy";

    private static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private IDisposable? _reloads;
    private CompiledPolicy? _reviewed;
    private Task _applied = Task.CompletedTask;

    /// <summary>
    /// Completes once the grants have been checked against the policy loaded at startup and the last reload, and the
    /// last grant given against the policy then in force (for whoever must know, tests).
    /// </summary>
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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Task startup;
        lock (_gate)
        {
            // Before the reloads are watched: a reload's review then follows this one, as every later review follows the last.
            startup = _applied = Task.Run(() => ReviewAsync(atStartup: true), CancellationToken.None);
        }

        _reloads = ChangeToken.OnChange(policy.GetReloadToken, OnReload);

        // Whatever happens, the gateway starts: a review that failed has logged why, and one that is slow goes on.
        await startup.WaitAsync(StartupWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();

        // A revocation under way finishes, with its audit record, before the services it writes to stop.
        await Applied.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _reloads?.Dispose();

    public void OnGrantGiven(ApprovalGrant grant) => Enqueue(() => CheckGivenAsync(grant));

    private void OnReload() => Enqueue(() => ReviewAsync(atStartup: false));

    private void Enqueue(Func<Task> review)
    {
        lock (_gate)
        {
            // One at a time, off the reloading thread and the decision path: revoking reads and writes the shared
            // storage and the audit log.
            _applied = _applied.ContinueWith(_ => review(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>
    /// Revokes <paramref name="grant"/>, just given, when the policy in force no longer honours it: an edit applied
    /// after its approval read the policy, whose review ran before the grant was saved.
    /// </summary>
    private async Task CheckGivenAsync(ApprovalGrant grant)
    {
        var current = policy.Current;
        if (grant.RefusalUnder(grant.Rule is { } rule ? current.RuleDecision(rule) : null) is { } why)
        {
            await RevokeAsync(grant, "edited policy", "policy edit", why);
        }
    }

    private async Task ReviewAsync(bool atStartup)
    {
        // Every reload attempt fires the token; a rejected edit leaves the same policy in force and changes nothing.
        var current = policy.Current;
        if (ReferenceEquals(current, _reviewed))
        {
            return;
        }

        _reviewed = current;
        var (occasion, prefix) = atStartup ? ("policy loaded at startup", "policy at startup") : ("edited policy", "policy edit");
        IReadOnlyList<ApprovalGrant> inForce;
        try
        {
            inForce = grants.List(time.GetUtcNow());
        }
        catch (Exception ex)
        {
            Log.PolicyEditGrantsNotChecked(logger, ex, occasion);
            return;
        }

        foreach (var grant in inForce)
        {
            if (grant.RefusalUnder(grant.Rule is { } rule ? current.RuleDecision(rule) : null) is { } why)
            {
                await RevokeAsync(grant, occasion, prefix, why);
            }
        }
    }

    private async Task RevokeAsync(ApprovalGrant grant, string occasion, string prefix, string why)
    {
        try
        {
            await revocation.RevokeAsync(grant.ApprovalId, Revoker, $"{prefix}: {why}");
        }
        catch (Exception ex)
        {
            Log.PolicyEditGrantNotRevoked(logger, ex, grant.ApprovalId, occasion, why);
        }
    }
}
