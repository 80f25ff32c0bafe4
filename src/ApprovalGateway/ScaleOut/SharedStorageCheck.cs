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

    /// <summary>Before anything resolves Hangfire's storage, whose constructor alone retries for half a minute.</summary>
    public static void EnsureReachable(IServiceProvider services)
    {
        var hangfire = services.GetRequiredService<IOptions<HangfireOptions>>().Value;
        var audit = services.GetRequiredService<IOptions<AuditOptions>>().Value;
        if (hangfire.Storage == HangfireStorageKind.PostgreSql)
        {
            Open($"{HangfireOptions.Section}:{nameof(HangfireOptions.ConnectionString)}", hangfire.ConnectionString!);
        }

        if (audit.UsesPostgreSql && audit.ConnectionString != hangfire.ConnectionString)
        {
            Open($"{AuditOptions.Section}:{nameof(AuditOptions.ConnectionString)}", audit.ConnectionString!);
        }
    }

    private static void Open(string setting, string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            var refused = ex is PostgresException { SqlState: var state } && SettingsRefused.Contains(state);
            var where = $"host {builder.Host}, port {builder.Port}, database {builder.Database}, user {builder.Username}";
            throw new SharedStorageUnreachableException(
                $"{setting} ({where}): {ex.Message}. " + (refused
                    ? "The server refused these settings."
                    : "Every instance needs its shared PostgreSQL database when it starts; a service manager that restarts it on failure tries again."),
                refused,
                ex);
        }
    }
}
