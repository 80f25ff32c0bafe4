namespace ApprovalGateway.ScaleOut;

/// <summary>
/// What an instance's heartbeat says of it: when it last beat (null: never) and the name it gives itself in its logs
/// and audit records (null: never beat, or a version from before instances stored it).
/// </summary>
internal readonly record struct InstanceBeat(DateTimeOffset? At, string? Name)
{
    /// <summary>The instance for a person reading a log: the name they can find on a host or in the audit records, and the id.</summary>
    public string Describe(string instance) => Name is null ? instance : $"{Name} (id {instance})";
}
