using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.Approvals;

/// <summary>
/// The real grant store, with one gate: once <see cref="HoldNextFind"/> is called, the next <see cref="Find"/> looks the
/// grant up and then holds its caller until <see cref="Proceed"/>, so a test can give a grant between a call's check
/// and what the call does next.
/// </summary>
internal sealed class GatedGrantStore(IGrantStore inner) : IGrantStore
{
    private readonly TaskCompletionSource _found = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _proceed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>Completes when the held <see cref="Find"/> has looked the grant up.</summary>
    public Task Found => _found.Task;

    public void HoldNextFind() => Volatile.Write(ref _armed, 1);

    public void Proceed() => _proceed.TrySetResult();

    public ApprovalGrant? Find(string agent, string upstream, string tool, DateTimeOffset now)
    {
        var grant = inner.Find(agent, upstream, tool, now);
        if (Interlocked.Exchange(ref _armed, 0) == 1)
        {
            _found.TrySetResult();
            // Find is synchronous, so the call it holds waits here; the test runs that call on a thread of its own.
            _proceed.Task.Wait();
        }

        return grant;
    }

    public void Add(ApprovalGrant grant) => inner.Add(grant);

    public IReadOnlyList<ApprovalGrant> List(DateTimeOffset now) => inner.List(now);

    public ApprovalGrant? Revoke(string approvalId, DateTimeOffset now) => inner.Revoke(approvalId, now);
}
