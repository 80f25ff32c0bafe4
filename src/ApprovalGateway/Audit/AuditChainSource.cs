namespace ApprovalGateway.Audit;

/// <summary>
/// What a verified chain was read from, so a problem is told in its terms: files are rotated and verified together,
/// a table's old rows are pruned and the rest verified from the head printed before.
/// </summary>
internal enum AuditChainSource
{
    Files,
    Table,
}
