namespace ApprovalGateway.Approvals;

/// <summary>The <c>Hangfire</c> section: storage and the background server that expires approvals and runs channel jobs.</summary>
internal sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    public HangfireStorageKind Storage { get; set; } = HangfireStorageKind.InMemory;

    /// <summary>The Npgsql connection string when <see cref="Storage"/> is PostgreSql; every gateway instance names the same database.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How often due scheduled jobs are picked up. Hangfire's 15 s default would expire approvals late.</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Expiry and Slack jobs are short and I/O bound; a few workers are plenty.</summary>
    public int WorkerCount { get; set; } = 4;

    public string ServerName { get; set; } = $"approval-gateway:{Environment.MachineName}";

    /// <summary>
    /// PostgreSQL storage: how long what an instance held when it died stays out of reach of the others: a job it
    /// was running (a Slack post, an expiry), and a storage lock it had taken (an approval's, a Slack prompt's).
    /// Live instances keep renewing the jobs they run, so this bounds the wait after a crash, not how long a job
    /// may take; a lock must be released within it, and the gateway's are held for at most a Slack call (10 s).
    /// Hangfire.PostgreSql's own defaults are 30 minutes for jobs and 10 for locks.
    /// </summary>
    public TimeSpan CrashRecoveryTimeout { get; set; } = TimeSpan.FromMinutes(1);
}
