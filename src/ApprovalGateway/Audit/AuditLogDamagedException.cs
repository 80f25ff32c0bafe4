namespace ApprovalGateway.Audit;

/// <summary>
/// The audit file cannot be continued because its last record is unreadable. Its message says what to do, so the
/// gateway prints it as the reason it cannot start, without a stack trace.
/// </summary>
internal sealed class AuditLogDamagedException(string message, Exception innerException) : Exception(message, innerException);
