namespace ApprovalGateway.Approvals;

/// <summary>Where time-boxed grants live, so every gateway instance sharing the storage honours them.</summary>
internal interface IGrantStore
{
    void Add(ApprovalGrant grant);

    /// <summary>The grant covering this agent, upstream and tool at <paramref name="now"/>, if any.</summary>
    ApprovalGrant? Find(string agent, string upstream, string tool, DateTimeOffset now);

    /// <summary>Every grant that has not ended at <paramref name="now"/>, the soonest to end first.</summary>
    IReadOnlyList<ApprovalGrant> List(DateTimeOffset now);

    /// <summary>
    /// Ends the grant given on approval <paramref name="approvalId"/> at once, for every instance sharing the storage.
    /// The grant it ended, or null when no grant of that approval is in force (never given, ended, or replaced by a
    /// newer grant for the same agent, upstream and tool).
    /// </summary>
    ApprovalGrant? Revoke(string approvalId, DateTimeOffset now);
}
