namespace ApprovalGateway.Audit;

/// <summary>The result of walking an audit file's hash chain.</summary>
/// <param name="Records">How many records were verified before the first problem (all of them when it holds).</param>
/// <param name="Problem">The first broken record as <c>file:line: message</c>, or null when the chain holds.</param>
/// <param name="PartialLine">A note when the file ends in an interrupted write, which readers ignore.</param>
/// <param name="Head">The last verified record: an anchor to keep elsewhere, since the chain alone cannot show a cut-off tail.</param>
internal sealed record AuditVerification(long Records, string? Problem, string? PartialLine, AuditAnchor Head)
{
    public bool Holds => Problem is null;
}
