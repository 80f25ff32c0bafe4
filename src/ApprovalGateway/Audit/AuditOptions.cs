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
    /// What the file sink waits for. <c>Disk</c> (the default): a call is sent to its upstream only once its
    /// <c>forwarding</c> record is fsynced, so it survives a power cut; other records (outcomes, refusals) are written
    /// before the agent's answer and fsynced with the next commit, at most <see cref="FileAuditLog.FlushDelay"/> later.
    /// <c>Os</c>: nothing waits for the disk; records are written to the operating system before the call goes on,
    /// so they survive a crash or kill of the gateway but not of the machine, and reach the disk within the same
    /// delay. <c>Os</c> takes the disk's flush time (0.1 to 1 ms, more on network disks) off every forwarded call.
    /// </summary>
    public string Durability { get; set; } = DiskDurability;

    public bool WaitsForDisk => !string.Equals(Durability, OsDurability, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// How this instance names itself in the records of the <c>PostgreSql</c> sink, so a record in the shared table
    /// leads to the instance, and the log, that wrote it. Empty means <c>{machine name}/{process id}</c> (in a
    /// container, its host name).
    /// </summary>
    public string? Instance { get; set; }

    public string InstanceName => string.IsNullOrWhiteSpace(Instance) ? $"{Environment.MachineName}/{Environment.ProcessId}" : Instance;

    /// <summary>How many of the newest records <see cref="IAuditLog.Recent"/> keeps in memory.</summary>
    public int RecentCapacity { get; set; } = 1000;
}
