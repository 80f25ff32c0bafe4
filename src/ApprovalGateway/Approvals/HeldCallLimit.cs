using ApprovalGateway.Agents;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

/// <summary>
/// Counts the calls each agent has waiting for a decision on this instance, against
/// <c>Approvals:MaxPendingPerAgent</c>. An agent stuck in a loop on a held tool would otherwise post a prompt to
/// the approvers for every turn of the loop.
/// </summary>
internal sealed class HeldCallLimit(IOptions<ApprovalOptions> options)
{
    private readonly AgentCounter _held = new();

    public int Max => options.Value.MaxPendingPerAgent;

    /// <summary>Why a call of <paramref name="agent"/> was refused at the limit; the audit record and the agent get it.</summary>
    public string Refusal(string agent) =>
        $"agent '{agent}' already has {Max} calls waiting for approval, the most Approvals:MaxPendingPerAgent allows; this one " +
        "was refused without asking anyone";

    /// <summary>Counts one more held call of <paramref name="agent"/>, unless it is at the limit.</summary>
    public bool TryHold(string agent) => _held.TryTake(agent, Max, int.MaxValue, out _) == AgentCounter.Result.Taken;

    public void Release(string agent) => _held.Release(agent);

    /// <summary>Completes once no call waits for a decision on this instance; every held call has its outcome by then.</summary>
    public Task WhenNoneHeld() => _held.WhenEmpty();
}
