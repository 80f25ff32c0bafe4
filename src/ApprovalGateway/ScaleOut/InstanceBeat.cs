namespace ApprovalGateway.ScaleOut;

/// <summary>
/// What an instance's heartbeat says of it: when it last beat (null: never) and the name it gives itself in its logs
/// and audit records (null: never beat, or a version from before instances stored it).
/// </summary>
internal readonly record struct InstanceBeat(DateTimeOffset? At, string? Name)
{
    /// <summary>
    /// The name a person reading a log can find on a host or in the audit records, logged beside the id in fields of
    /// their own so that log systems can query either.
    /// </summary>
    public string NameOrUnknown => Name ?? "(unnamed: an older version)";
}
