namespace ApprovalGateway.Audit;

/// <summary>Settings under <c>Gateway:Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string Section = "Gateway:Audit";

    public const string FileSink = "File";

    public const string PostgreSqlSink = "PostgreSql";

    public const string DiskDurability = "Disk";

    public const string OsDurability = "Os";

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

    /// <summary>
    /// When the file sink lets a call's answer go: <c>Disk</c> (the default) once its record is fsynced, so it
    /// survives a power cut; <c>Os</c> once the record is written to the operating system, so it survives a crash
    /// or kill of the gateway but not of the machine, with the fsync following at once. <c>Os</c> takes the disk's
    /// flush time (0.1 to 1 ms, more on network disks) off every answer.
    /// </summary>
    public string Durability { get; set; } = DiskDurability;

    public bool WaitsForDisk => !string.Equals(Durability, OsDurability, StringComparison.OrdinalIgnoreCase);

    /// <summary>How many of the newest records <see cref="IAuditLog.Recent"/> keeps in memory.</summary>
    public int RecentCapacity { get; set; } = 1000;
}
