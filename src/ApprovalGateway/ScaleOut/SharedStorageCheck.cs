using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Opens each PostgreSQL database the settings name before the gateway serves. Started without it, Hangfire's storage
/// retries its schema set-up under a lock on every use, so each held call and each approvals page waited one to two
/// minutes for an error while <c>/healthz</c> said ok; stopping with one line lets a service manager retry instead.
/// </summary>
internal static class SharedStorageCheck
{
    // SQLSTATE classes 28 (invalid authorization) and 3D (invalid catalog name): the settings are wrong.
    private static readonly string[] SettingsRefused = ["28000", "28P01", "3D000"];

    public static async Task EnsureReachableAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var hangfire = services.GetRequiredService<IOptions<HangfireOptions>>().Value;
        var audit = services.GetRequiredService<IOptions<AuditOptions>>().Value;
        if (hangfire.Storage == HangfireStorageKind.PostgreSql)
        {
            await OpenAsync($"{HangfireOptions.Section}:{nameof(HangfireOptions.ConnectionString)}", hangfire.ConnectionString!, cancellationToken);
        }

        if (audit.UsesPostgreSql && audit.ConnectionString != hangfire.ConnectionString)
        {
            await OpenAsync($"{AuditOptions.Section}:{nameof(AuditOptions.ConnectionString)}", audit.ConnectionString!, cancellationToken);
        }
    }

    private static async Task OpenAsync(string setting, string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            var refused = ex is PostgresException { SqlState: var state } && SettingsRefused.Contains(state);
            var where = $"host {builder.Host}, port {builder.Port}, database {builder.Database}, user {builder.Username}";
            throw new SharedStorageUnreachableException(
                $"{setting} ({where}): {ex.Message}. " + (refused
                    ? "The server refused these settings."
                    : "Every instance needs its shared PostgreSQL database when it starts; it is restarted (Restart=on-failure) to try again."),
                refused,
                ex);
        }
    }
}
