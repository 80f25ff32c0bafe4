using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.Audit;

/// <summary>One record of <see cref="AuditSamples.Chain"/>: its line as stored (without newline) and its links.</summary>
internal sealed record SealedRecord(long Seq, string Line, string Hash, string Prev, AuditRecord Record);
