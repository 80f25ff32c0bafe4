using ApprovalGateway.Approvals;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace ApprovalGateway.ScaleOut;

internal static class PostgreSqlJobStorage
{
    public const string Schema = "hangfire";

    /// <summary>Hangfire storage shared by every gateway instance that names the same database.</summary>
    public static JobStorage Create(HangfireOptions options)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            PrepareSchemaIfNecessary = true,

            // LISTEN/NOTIFY instead of the 15 s queue poll: Slack posts and expiry jobs start as soon as they are due.
            EnableLongPolling = true,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(options.ConnectionString!, storageOptions), storageOptions);
    }
}
