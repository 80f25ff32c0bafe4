using ApprovalGateway.Approvals;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

internal static class PostgreSqlJobStorage
{
    public const string Schema = "hangfire";

    private static readonly TimeSpan MaxQueuePollInterval = TimeSpan.FromSeconds(15);

    // Any key no other feature locks on: the ASCII of "AGHFSCH" as a bigint.
    private const long SchemaLockKey = 18374249229271880;

    // As long as Hangfire.PostgreSql gives one step of its own schema set-up.
    private const int SchemaLockWaitSeconds = 120;

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

        // The constructor sets up Hangfire's schema when it is missing or old, and Hangfire.PostgreSql's installer does
        // not guard against several processes doing so at once: instances started together on a fresh database logged
        // "Error while executing install/upgrade" (a catalog race) before working. Taking turns, the first installs the
        // schema and the others find it in place.
        using var turn = TakeSchemaTurn(options.ConnectionString!);
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(options.ConnectionString!, storageOptions), storageOptions);
    }

    /// <summary>
    /// A session of its own holding the schema's advisory lock; disposing it ends the session and so releases the lock.
    /// Unpooled, so the lock cannot outlive it in a pooled connection.
    /// </summary>
    private static NpgsqlConnection TakeSchemaTurn(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            connection.Open();
            using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({SchemaLockKey})", connection) { CommandTimeout = SchemaLockWaitSeconds };
            take.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
