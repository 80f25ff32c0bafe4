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

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Writing {Count} audit records to PostgreSQL failed; the transaction was rolled back and its callers get the error")]
    public static partial void PostgreSqlWriteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Critical, Message = "Flushing {Count} audit records already answered in {Path} to disk failed; audit appends are refused until restart")]
    public static partial void FlushFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Audit log {Path} was rotated away; records from seq {NextSeq} on go to a new file there, chained to the last one in the old")]
    public static partial void AuditFileRotated(ILogger logger, string path, long nextSeq);

    [LoggerMessage(EventId = 9400, Level = LogLevel.Warning, Message = "Writing {Count} audit records to PostgreSQL lost its connection ({Reason}); retrying once on a new one")]
    public static partial void PostgreSqlWriteRetried(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "The audit record of a refused request could not be written: {Reason}")]
    public static partial void RefusalNotRecorded(ILogger logger, string reason, Exception exception);
}
