using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace ApprovalGateway.Testing;

/// <summary>
/// A throw-away PostgreSQL cluster from Debian's binaries, in a temporary folder on a free loopback port, with
/// trust authentication and fsync off: it exists to exercise the gateway's storage path, not the disks of a
/// shared machine. Callers take a fresh database each, so Hangfire and audit state never leak between them.
/// </summary>
public sealed class PostgreSqlCluster : IAsyncDisposable
{
    private readonly string _data;
    private readonly int _port;

    private PostgreSqlCluster(string data, int port)
    {
        _data = data;
        _port = port;
    }

    /// <summary>Runs initdb and starts the server; throws, saying what to install, when PostgreSQL is missing.</summary>
    public static async Task<PostgreSqlCluster> StartAsync()
    {
        var data = Directory.CreateTempSubdirectory("gateway-pg-").FullName;
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                // The tools run as the postgres user, who must own the folder.
                using var chown = Process.Start("chown", ["postgres:postgres", data]);
                await chown.WaitForExitAsync();
            }

            await PostgreSqlTool.RunAsync("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-locale", "-E", "UTF8");
            var cluster = new PostgreSqlCluster(data, LoopbackPort.Free());
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            Directory.Delete(data, recursive: true);
            throw;
        }
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"gateway_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>
    /// Stops the server as an operator would for maintenance (fast mode: sessions are terminated, the data is
    /// kept), runs <paramref name="whileDown"/>, and starts it again on the same port and data folder. The server
    /// comes back even when <paramref name="whileDown"/> fails, so later callers still have it.
    /// </summary>
    public async Task RestartAsync(Func<Task>? whileDown = null)
    {
        await PostgreSqlTool.RunAsync("pg_ctl", "-D", _data, "-m", "fast", "-w", "-t", "30", "stop");
        try
        {
            if (whileDown is not null)
            {
                await whileDown();
            }
        }
        finally
        {
            await StartServerAsync();

            // Only this launcher's own pool: the gateways under test must find their broken connections themselves.
            await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
            NpgsqlConnection.ClearPool(admin);
            await WaitUntilAcceptingAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await PostgreSqlTool.RunAsync("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop");
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>
    /// Idle connections close after 10 s, not Npgsql's 300: every in-process gateway a test disposes leaves its pool
    /// behind, and in a few minutes of scale-out tests those idle sessions climbed past 200 of the server's 300, where
    /// the next test's instances could be refused connections.
    /// </summary>
    private string ConnectionString(string database) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"Host=127.0.0.1;Port={_port};Username=postgres;Database={database};Timeout=15;Connection Idle Lifetime=10;Connection Pruning Interval=2");

    private Task StartServerAsync() =>
        PostgreSqlTool.RunAsync(
            "pg_ctl",
            "-D", _data, "-w", "-t", "30", "-l", Path.Combine(_data, "server.log"),
            "-o", string.Create(CultureInfo.InvariantCulture, $"-p {_port} -k {_data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"),
            "start");

    /// <summary>pg_ctl -w reports the postmaster up; this polls, to a deadline, until a TCP session on the port works.</summary>
    private async Task WaitUntilAcceptingAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString("postgres")) { Pooling = false, Timeout = 5 };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(deadline.Token);
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(deadline.Token);
                return;
            }
            catch (NpgsqlException) when (!deadline.IsCancellationRequested)
            {
                // Still starting up ("the database system is starting up").
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
    }
}
