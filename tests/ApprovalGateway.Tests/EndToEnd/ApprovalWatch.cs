using ApprovalGateway.Approvals;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// An extra approval observer in the real gateway: sees every stored change the way Slack and the page do,
/// so a test can wait for "an approval is pending" or "it was withdrawn" instead of polling.
/// </summary>
internal sealed class ApprovalWatch : IApprovalObserver
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private readonly Lock gate = new();
    private readonly List<ApprovalSnapshot> changes = [];
    private readonly List<(Func<ApprovalSnapshot, bool> Match, TaskCompletionSource<ApprovalSnapshot> Signal)> waiters = [];

    /// <summary>Every approval id the gateway created, in order.</summary>
    public IReadOnlyList<string> Created
    {
        get { lock (gate) { return [.. changes.Select(c => c.Id).Distinct()]; } }
    }

    public void OnChanged(ApprovalSnapshot approval)
    {
        List<TaskCompletionSource<ApprovalSnapshot>> ready = [];
        lock (gate)
        {
            changes.Add(approval);
            foreach (var waiter in waiters.Where(w => w.Match(approval)).ToList())
            {
                waiters.Remove(waiter);
                ready.Add(waiter.Signal);
            }
        }

        foreach (var signal in ready)
        {
            signal.TrySetResult(approval);
        }
    }

    /// <summary>The first change (past or future) that matches.</summary>
    public async Task<ApprovalSnapshot> WaitForAsync(Func<ApprovalSnapshot, bool> match, string what)
    {
        var signal = new TaskCompletionSource<ApprovalSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (changes.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }

            waiters.Add((match, signal));
        }

        try
        {
            return await signal.Task.WaitAsync(Guard);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The gateway did not report {what} within {Guard.TotalSeconds} s.");
        }
    }

    public Task<ApprovalSnapshot> WaitForPendingAsync(string tool) =>
        WaitForAsync(a => a.Status == ApprovalStatus.Pending && a.Request.Tool == tool, $"a pending approval for {tool}");

    /// <summary>The pending approval of the demo exchange's call naming <paramref name="algoId"/>, by <paramref name="agent"/> when given.</summary>
    public Task<ApprovalSnapshot> WaitForPendingAsync(string tool, long algoId, string? agent = null) =>
        WaitForAsync(
            a => a.Status == ApprovalStatus.Pending && a.Request.Tool == tool && (agent is null || a.Request.Agent == agent)
                && a.Request.FrozenArguments["algoId"]?.GetValue<long>() == algoId,
            $"a pending approval for {tool} of order {algoId}");

    public Task<ApprovalSnapshot> WaitForStatusAsync(string approvalId, ApprovalStatus status) =>
        WaitForAsync(a => a.Id == approvalId && a.Status == status, $"approval {approvalId} {status}");
}
