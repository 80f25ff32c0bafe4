namespace ApprovalGateway.Audit;

/// <summary>Settings under <c>Gateway:Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string Section = "Gateway:Audit";

    public const string FileSink = "File";

    /// <summary>Where records go; only <c>File</c> (append-only, hash-chained JSON Lines) ships today.</summary>
    public string Sink { get; set; } = FileSink;

    /// <summary>
    /// The audit file. Empty means <c>{Gateway:DataPath}/audit/audit.jsonl</c>; relative paths are resolved
    /// against the content root.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How many of the newest records <see cref="IAuditLog.Recent"/> keeps in memory.</summary>
    public int RecentCapacity { get; set; } = 1000;
}
