namespace ApprovalGateway.ScaleOut;

/// <summary>
/// The <c>ScaleOut</c> section: how fast surviving instances notice that an instance holding calls is gone.
/// Used only with shared Hangfire storage (<c>Hangfire:Storage</c> = PostgreSql).
/// </summary>
internal sealed class ScaleOutOptions
{
    public const string Section = "ScaleOut";

    /// <summary>How often each instance records that it is alive and looks for instances that are not.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long without a heartbeat before an instance counts as gone and the approvals of its held calls are
    /// withdrawn: long enough to ride out a garbage-collection pause or a slow database.
    /// </summary>
    public TimeSpan InstanceTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
