using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Audit;

internal static partial class Log
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Audit log {Path} opened: {Count} records, next seq {NextSeq}")]
    public static partial void AuditOpened(ILogger logger, string path, long count, long nextSeq);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Audit log {Path} ended in a partial line (a crash during a write); truncated {Bytes} bytes at offset {Offset}")]
    public static partial void PartialLineTruncated(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "Writing {Count} audit records to {Path} failed; the batch was rolled back and its callers get the error")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Critical, Message = "Rolling back a failed audit write in {Path} failed too; audit appends are refused until restart")]
    public static partial void RollbackFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Audit log in PostgreSQL database {Database} opened: {Count} records, next seq {NextSeq}")]
    public static partial void PostgreSqlAuditOpened(ILogger logger, string database, long count, long nextSeq);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Critical, Message = "Audit table in PostgreSQL database {Database} ends at seq {Last}, but the gateway wrote up to seq {Kept} (table audit_head): records were deleted from its end or the table emptied. New records go on from seq {Next}; verify-audit --postgres shows the gap")]
    public static partial void PostgreSqlAuditCut(ILogger logger, string database, long last, long kept, long next);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Writing {Count} audit records to PostgreSQL failed; the transaction was rolled back and its callers get the error")]
    public static partial void PostgreSqlWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Critical, Message = "Flushing {Count} audit records already answered in {Path} to disk failed; audit appends are refused until restart")]
    public static partial void FlushFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Audit log {Path} was rotated; records from seq {NextSeq} on go to the file now there, chained to the last record of the one before it")]
    public static partial void AuditFileRotated(ILogger logger, string path, long nextSeq);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Audit log {Path} is empty and its lock file kept the head of the chain rotated away; records from seq {NextSeq} on continue it")]
    public static partial void AuditChainContinued(ILogger logger, string path, long nextSeq);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Audit log {Path} was cut short by {Bytes} bytes under the gateway (logrotate's copytruncate?): records written between the copy and the cut are in neither file. Rotate by moving the file instead")]
    public static partial void AuditFileTruncated(ILogger logger, string path, long bytes);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Could not keep the audit chain's head in the lock file of {Path}; a restart after the file is rotated would start a new chain")]
    public static partial void HeadNotKept(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 9400, Level = LogLevel.Warning, Message = "Writing {Count} audit records to PostgreSQL lost its connection ({Reason}); retrying once on a new one")]
    public static partial void PostgreSqlWriteRetried(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "The audit record of a refused request could not be written: {Reason}")]
    public static partial void RefusalNotRecorded(ILogger logger, string reason, Exception exception);
}
