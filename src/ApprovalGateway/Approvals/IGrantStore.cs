namespace ApprovalGateway.Approvals;

/// <summary>Where time-boxed grants live, so every gateway instance sharing the storage honours them.</summary>
internal interface IGrantStore
{
    void Add(ApprovalGrant grant);

    /// <summary>The grant covering this agent, upstream and tool at <paramref name="now"/>, if any.</summary>
    ApprovalGrant? Find(string agent, string upstream, string tool, DateTimeOffset now);
}
