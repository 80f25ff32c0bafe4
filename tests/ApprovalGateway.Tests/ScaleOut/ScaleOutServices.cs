using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// A real PostgreSQL cluster and a real Redis server on free loopback ports, in temporary folders, for the whole
/// collection. Each test takes a fresh database, so Hangfire state never leaks between tests.
/// </summary>
public sealed class ScaleOutServices : IAsyncLifetime
{
    private string? _pgData;
    private int _pgPort;
    private Process? _redis;

    public int RedisPort { get; private set; }

    public string RedisConnectionString => $"127.0.0.1:{RedisPort}";

    public async Task InitializeAsync()
    {
        if (!ScaleOutBinaries.Available)
        {
            // Required but missing: the tests fail on their first use of a server, naming what is missing.
            return;
        }

        await StartPostgreSqlAsync();
        await StartRedisAsync(FreePort());
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        if (_pgData is null)
        {
            throw new InvalidOperationException(ScaleOutBinaries.SkipReason ?? "PostgreSQL and Redis are not installed but APPROVAL_GATEWAY_REQUIRE_SERVICES=1.");
        }

        var name = $"gateway_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>Kills Redis outright and starts an empty one on the same port, as after a crash of the Redis host.</summary>
    public async Task RestartRedisAsync()
    {
        await StopRedisAsync();
        await StartRedisAsync(RedisPort);
    }

    /// <summary>
    /// Stops PostgreSQL as an operator would for maintenance (fast mode: sessions are terminated, the data is
    /// kept), runs <paramref name="whileDown"/>, and starts it again on the same port and data directory. The
    /// server comes back even when <paramref name="whileDown"/> fails, so later tests still have it.
    /// </summary>
    public async Task RestartPostgreSqlAsync(Func<Task>? whileDown = null)
    {
        var data = _pgData ?? throw new InvalidOperationException(ScaleOutBinaries.SkipReason ?? "PostgreSQL is not running.");
        await RunAsync(PgTool("pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
        try
        {
            if (whileDown is not null)
            {
                await whileDown();
            }
        }
        finally
        {
            await StartPostgreSqlServerAsync(data, _pgPort);

            // Only this fixture's own pool: the gateways under test must find their broken connections themselves.
            await using var admin = new NpgsqlConnection(ConnectionString("postgres"));
            NpgsqlConnection.ClearPool(admin);
            await WaitUntilAcceptingAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await StopRedisAsync();

        if (_pgData is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(PgTool("pg_ctl"), ["-D", _pgData, "-m", "immediate", "-w", "stop"]);
            Directory.Delete(_pgData, recursive: true);
        }
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_pgPort};Username=postgres;Database={database};Timeout=15";

    private async Task StartPostgreSqlAsync()
    {
        var data = Directory.CreateTempSubdirectory("gateway-pg-").FullName;
        if (Environment.IsPrivilegedProcess)
        {
            // PostgreSQL refuses to run as root.
            await RunAsync("chown", ["postgres:postgres", data]);
        }

        await RunAsync(PgTool("initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-locale", "-E", "UTF8"]);
        _pgPort = FreePort();
        await StartPostgreSqlServerAsync(data, _pgPort);
        _pgData = data;
    }

    private static Task StartPostgreSqlServerAsync(string data, int port) =>
        RunAsync(PgTool("pg_ctl"),
        [
            "-D", data, "-w", "-t", "30", "-l", Path.Combine(data, "server.log"),
            "-o", $"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            "start",
        ]);

    /// <summary>pg_ctl -w reports the postmaster up; this waits, to a deadline, until a TCP session on the port works.</summary>
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
                // Still starting up ("the database system is starting up"): poll again shortly.
                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
    }

    private async Task StopRedisAsync()
    {
        if (_redis is not null)
        {
            _redis.Kill(entireProcessTree: true);
            await _redis.WaitForExitAsync();
            _redis.Dispose();
            _redis = null;
        }
    }

    private async Task StartRedisAsync(int port)
    {
        RedisPort = port;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var redis = new Process
        {
            StartInfo = new ProcessStartInfo(ScaleOutBinaries.RedisServer!)
            {
                ArgumentList = { "--port", RedisPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(),
            },
        };
        redis.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        redis.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server on port {RedisPort} exited at start"));
        redis.EnableRaisingEvents = true;
        redis.Start();
        redis.BeginOutputReadLine();
        redis.BeginErrorReadLine();
        _redis = redis;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static string PgTool(string name) => Path.Combine(ScaleOutBinaries.PostgreSqlBin!, name);

    private static async Task RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = Environment.IsPrivilegedProcess && file.StartsWith(ScaleOutBinaries.PostgreSqlBin!, StringComparison.Ordinal)
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", file } }
            : new ProcessStartInfo(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
