using System.Diagnostics;
using System.Globalization;

namespace ApprovalGateway.Testing;

/// <summary>
/// A throw-away redis-server from Debian's package on a free loopback port, persistence off: the gateway keeps
/// only wake-ups and rate windows there, and a restart must come back empty, as after a crash of a Redis host.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>Starts the server; throws, saying what to install, when Redis is missing.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var port = LoopbackPort.Free();
        return new RedisServer(await LaunchAsync(port), port);
    }

    /// <summary>Starts the server on a port chosen before, such as one a gateway already tries to reach.</summary>
    public static async Task<RedisServer> StartAsync(int port) => new(await LaunchAsync(port), port);

    /// <summary>Kills the server outright and starts an empty one on the same port, after <paramref name="whileDown"/>.</summary>
    public async Task RestartAsync(Func<Task>? whileDown = null)
    {
        await _process.DisposeAsync();
        if (whileDown is not null)
        {
            await whileDown();
        }

        _process = await LaunchAsync(Port);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<ChildProcess> LaunchAsync(int port)
    {
        var server = DebianServers.RedisServer ?? throw new InvalidOperationException(DebianServers.Unavailable);
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(server)
        {
            ArgumentList = { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" },
            WorkingDirectory = Path.GetTempPath(),
        };
        var process = ChildProcess.Start(start, line =>
        {
            if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult(true);
            }
        });
        await process.WaitReadyAsync(ready.Task.WaitAsync, TimeSpan.FromSeconds(30), $"redis-server on port {port}");
        return process;
    }
}
