using ApprovalGateway.Approvals;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace ApprovalGateway.ScaleOut;

internal static class PostgreSqlJobStorage
{
    public const string Schema = "hangfire";

    private static readonly TimeSpan MaxQueuePollInterval = TimeSpan.FromSeconds(15);

    /// <summary>Hangfire storage shared by every gateway instance that names the same database.</summary>
    public static JobStorage Create(HangfireOptions options)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = true,

            // LISTEN/NOTIFY instead of the 15 s queue poll: Slack posts and expiry jobs start as soon as they are due.
            EnableLongPolling = true,

            // A job or lock whose instance died is taken over CrashRecoveryTimeout later, while live instances renew
            // the jobs they run. Nothing notifies when such a job comes back into reach, so the fallback poll must
            // come round within the same order of time.
            InvisibilityTimeout = options.CrashRecoveryTimeout,
            UseSlidingInvisibilityTimeout = true,
            DistributedLockTimeout = options.CrashRecoveryTimeout,
            QueuePollInterval = TimeSpan.FromTicks(Math.Min(MaxQueuePollInterval.Ticks, options.CrashRecoveryTimeout.Ticks / 4)),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(options.ConnectionString!, storageOptions), storageOptions);
    }
}
