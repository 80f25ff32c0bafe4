using Hangfire.States;

namespace ApprovalGateway.Approvals;

/// <summary>
/// The final Hangfire state of a resolved approval's job, named after the outcome, so the dashboard's job page
/// reads "Approved", "Rejected", "Expired" or "Withdrawn" with the reason instead of a generic Succeeded/Deleted.
/// </summary>
internal sealed class ApprovalResolvedState(ApprovalSnapshot approval) : IState
{
    public string Name { get; } = approval.Status.ToString();

    public string? Reason { get; } = ApprovalText.Summary(approval);

    public bool IsFinal => true;

    public bool IgnoreJobLoadException => true;

    public Dictionary<string, string> SerializeData() => new(StringComparer.Ordinal)
    {
        ["ResolvedAt"] = (approval.ResolvedAt ?? approval.Deadline).ToString("O"),
        ["DecidedBy"] = approval.ReleasedByGrant is { } grant
            ? ApprovalText.ReleasedBy(grant)
            : string.Join(", ", approval.Votes.Select(v => v.Approver)),
    };
}
