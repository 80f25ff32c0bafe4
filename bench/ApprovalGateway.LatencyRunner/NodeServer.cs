using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ApprovalGateway.LatencyRunner;

/// <summary>A node MCP server (server-everything, mcp-proxy) as its own process on a free loopback port.</summary>
internal sealed class NodeServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeServer(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>User plus system CPU time of this node process (not of the servers it spawns).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>server-everything over Streamable HTTP.</summary>
    public static Task<NodeServer> EverythingAsync() =>
        StartAsync([RepoPaths.ServerEverything, "streamableHttp"], port => new() { ["PORT"] = port }, "/mcp");

    /// <summary>mcp-proxy in front of server-everything over stdio, serving Streamable HTTP on /mcp.</summary>
    public static Task<NodeServer> McpProxyAsync(string entry) =>
        StartAsync([entry, "--port", "{port}", "--host", "127.0.0.1", "--", "node", RepoPaths.ServerEverything, "stdio"], _ => [], "/mcp");

    private static async Task<NodeServer> StartAsync(string[] args, Func<string, Dictionary<string, string>> environment, string path)
    {
        var port = FreePort().ToString(CultureInfo.InvariantCulture);
        var start = new ProcessStartInfo("node", args.Select(a => a.Replace("{port}", port, StringComparison.Ordinal)))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment(port))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var server = new NodeServer(process, new Uri($"http://127.0.0.1:{port}{path}"));
        process.ErrorDataReceived += (_, e) => server.Capture(e.Data);
        process.OutputDataReceived += (_, e) => server.Capture(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!await server.AcceptsAsync(int.Parse(port, CultureInfo.InvariantCulture)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                var output = server.Output;
                await server.DisposeAsync();
                throw new InvalidOperationException($"node {string.Join(' ', args)} did not listen on {port}: {output}");
            }

            await Task.Delay(100);
        }

        return server;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString().Trim();
            }
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Only the start matters for a failure message; a chatty server must not grow this without end.
            if (_output.Length < 4000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
