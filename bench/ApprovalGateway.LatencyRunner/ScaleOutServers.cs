using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// A throw-away PostgreSQL cluster and Redis server from Debian's packages, on free loopback ports in temporary
/// folders, for the scaled-out decision measurement. Durability is off (fsync, snapshots): the figure is about
/// the gateway's path, not the disks of a shared machine.
/// </summary>
internal sealed class ScaleOutServers : IAsyncDisposable
{
    private static readonly string? PostgreSqlBin = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
            .FirstOrDefault()
        : null;

    private static readonly string? RedisServer = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;

    private string? _pgData;
    private int _pgPort;
    private Process? _redis;

    private ScaleOutServers()
    {
    }

    /// <summary>Why the servers cannot run here; null when both are installed.</summary>
    public static string? Unavailable =>
        (PostgreSqlBin, RedisServer) switch
        {
            (null, null) => "PostgreSQL and Redis are not installed (`apt-get install -y postgresql redis-server`)",
            (null, _) => "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; `apt-get install -y postgresql`)",
            (_, null) => "Redis is not installed (no /usr/bin/redis-server; `apt-get install -y redis-server`)",
            _ => null,
        };

    public string PostgreSqlVersion { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    public static async Task<ScaleOutServers> StartAsync()
    {
        var servers = new ScaleOutServers();
        try
        {
            await servers.StartPostgreSqlAsync();
            await servers.StartRedisAsync();
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"gateway_bench_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            _redis.Kill(entireProcessTree: true);
            await _redis.WaitForExitAsync();
            _redis.Dispose();
        }

        if (_pgData is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(PgTool("pg_ctl"), ["-D", _pgData, "-m", "immediate", "-w", "stop"]);
            Directory.Delete(_pgData, recursive: true);
        }
    }

    private string ConnectionString(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={_pgPort};Username=postgres;Database={database};Timeout=15");

    private async Task StartPostgreSqlAsync()
    {
        var data = Directory.CreateTempSubdirectory("gateway-bench-pg-").FullName;
        if (Environment.IsPrivilegedProcess)
        {
            // PostgreSQL refuses to run as root; its tools run as the postgres user, who must own the folder.
            await RunAsync("chown", ["postgres:postgres", data]);
        }

        await RunAsync(PgTool("initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-locale", "-E", "UTF8"]);
        _pgPort = FreePort();
        await RunAsync(PgTool("pg_ctl"),
        [
            "-D", data, "-w", "-l", Path.Combine(data, "server.log"),
            "-o", string.Create(CultureInfo.InvariantCulture, $"-p {_pgPort} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"),
            "start",
        ]);
        _pgData = data;
        PostgreSqlVersion = Path.GetFileName(Path.GetDirectoryName(PostgreSqlBin)) ?? "";
    }

    private async Task StartRedisAsync()
    {
        var port = FreePort();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var redis = new Process
        {
            StartInfo = new ProcessStartInfo(RedisServer!)
            {
                ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetTempPath(),
            },
            EnableRaisingEvents = true,
        };
        redis.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        redis.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"redis-server on port {port} exited at start"));
        redis.Start();
        redis.BeginOutputReadLine();
        redis.BeginErrorReadLine();
        _redis = redis;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        RedisConnectionString = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
    }

    private static string PgTool(string name) => Path.Combine(PostgreSqlBin!, name);

    private static async Task RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = Environment.IsPrivilegedProcess && file.StartsWith(PostgreSqlBin!, StringComparison.Ordinal)
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
