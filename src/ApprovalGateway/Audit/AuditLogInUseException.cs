namespace ApprovalGateway.Audit;

/// <summary>
/// Another process writes the audit file: two writers would each go on from the record they last saw, and the hash chain
/// would break. Its message says what to do, so the gateway prints it as the reason it cannot start.
/// </summary>
internal sealed class AuditLogInUseException(string message, Exception innerException) : Exception(message, innerException);
