namespace ApprovalGateway.Audit;

/// <summary>One complete line of the audit file: its 1-based number, its text, and the file offset just past its newline.</summary>
internal readonly record struct AuditLine(int Number, string Text, long End);
