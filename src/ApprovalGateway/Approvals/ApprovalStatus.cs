namespace ApprovalGateway.Approvals;

/// <summary>The stored state of an approval. Only Pending may change, and only once (compare-and-set).</summary>
internal enum ApprovalStatus
{
    Pending,
    Approved,
    Rejected,
    Expired,
    Withdrawn,
}
