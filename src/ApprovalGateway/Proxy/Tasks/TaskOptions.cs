namespace ApprovalGateway.Proxy.Tasks;

/// <summary>How long the gateway keeps its own tasks (MCP Tasks for held calls), bound from <c>Gateway:Tasks</c>.</summary>
internal sealed class TaskOptions
{
    public const string Section = "Gateway:Tasks";

    /// <summary>Kept this long after the task's last change when the agent asks for no <c>ttl</c>.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The longest <c>ttl</c> an agent may ask for; longer requests are cut to this.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The <c>pollInterval</c> suggested to agents.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Unfinished tasks one agent may have at once; more are refused.</summary>
    public int MaxActivePerAgent { get; set; } = 100;
}
