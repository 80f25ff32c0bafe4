namespace ApprovalGateway.Audit;

/// <summary>Settings under <c>Gateway:Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string Section = "Gateway:Audit";

    public const string FileSink = "File";

    public const string PostgreSqlSink = "PostgreSql";

    /// <summary>
    /// Where records go: <c>File</c> (append-only, hash-chained JSON Lines, one per instance) or <c>PostgreSql</c>
    /// (the same chain in one table shared by every instance).
    /// </summary>
    public string Sink { get; set; } = FileSink;

    /// <summary>The PostgreSQL database of the <c>PostgreSql</c> sink.</summary>
    public string? ConnectionString { get; set; }

    public bool UsesPostgreSql => string.Equals(Sink, PostgreSqlSink, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The audit file. Empty means <c>{Gateway:DataPath}/audit/audit.jsonl</c>; relative paths are resolved
    /// against the content root.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How many of the newest records <see cref="IAuditLog.Recent"/> keeps in memory.</summary>
    public int RecentCapacity { get; set; } = 1000;
}
