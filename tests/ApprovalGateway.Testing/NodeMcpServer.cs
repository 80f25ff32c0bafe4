using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ApprovalGateway.Testing;

/// <summary>
/// A node MCP server (server-everything, or mcp-proxy in front of it) as its own process on a free loopback
/// port: the upstream a gateway reaches over HTTP, or the proxy the bench compares the gateway with.
/// </summary>
public sealed class NodeMcpServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private NodeMcpServer(ChildProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The MCP endpoint.</summary>
    public Uri Url { get; }

    /// <summary>User plus system CPU time of this node process (not of the servers it spawns).</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    /// <summary>server-everything over Streamable HTTP on <c>/mcp</c>.</summary>
    /// <param name="legacySse">Serve the older HTTP+SSE transport on <c>/sse</c> instead.</param>
    public static Task<NodeMcpServer> EverythingAsync(bool legacySse = false) => EverythingOnAsync(LoopbackPort.Free(), legacySse);

    /// <summary>
    /// As <see cref="EverythingAsync"/>, on a given port: a server started again where a killed one listened is, to
    /// its clients, the same server restarted (with none of its sessions).
    /// </summary>
    public static Task<NodeMcpServer> EverythingOnAsync(int port, bool legacySse = false) =>
        StartAsync(
            port,
            port => new ProcessStartInfo("node")
            {
                ArgumentList = { RepositoryPaths.ServerEverything, legacySse ? "sse" : "streamableHttp" },
                Environment = { ["PORT"] = port },
            },
            legacySse ? "/sse" : "/mcp");

    /// <summary>
    /// A Streamable HTTP server of a test's own on <c>/mcp</c>, made by <paramref name="script"/> with the official
    /// TypeScript SDK (installed under tests/upstreams), listening on the port in the <c>PORT</c> variable: a free one,
    /// or <paramref name="port"/>.
    /// </summary>
    public static Task<NodeMcpServer> ScriptAsync(string script, int? port = null) =>
        StartAsync(
            port ?? LoopbackPort.Free(),
            port => new ProcessStartInfo("node")
            {
                ArgumentList = { "-e", script },
                Environment = { ["PORT"] = port },
                WorkingDirectory = Path.Combine(RepositoryPaths.Root, "tests", "upstreams"),
            },
            "/mcp");

    /// <summary>mcp-proxy (its <c>dist/bin/mcp-proxy.mjs</c> is <paramref name="entry"/>) in front of server-everything over stdio, serving Streamable HTTP on <c>/mcp</c>.</summary>
    public static Task<NodeMcpServer> McpProxyAsync(string entry) =>
        StartAsync(
            LoopbackPort.Free(),
            port => new ProcessStartInfo("node")
            {
                ArgumentList = { entry, "--port", port, "--host", "127.0.0.1", "--", "node", RepositoryPaths.ServerEverything, "stdio" },
            },
            "/mcp");

    /// <summary>The loopback port it listens on.</summary>
    public int Port => Url.Port;

    /// <summary>SIGKILL, as in a crash: open connections are cut and the port refuses new ones.</summary>
    public Task KillAsync() => _process.KillAsync();

    /// <summary>SIGSTOP: connections are still accepted and kept, but nothing answers, as a hung server does.</summary>
    public void Pause() => _process.Pause();

    /// <summary>SIGCONT, after <see cref="Pause"/>.</summary>
    public void Resume() => _process.Resume();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<NodeMcpServer> StartAsync(int port, Func<string, ProcessStartInfo> startOnPort, string path)
    {
        var start = startOnPort(port.ToString(CultureInfo.InvariantCulture));
        var process = ChildProcess.Start(start);

        // Neither server has a ready message of its own, so readiness is the port accepting connections.
        await process.WaitReadyAsync(
            token => ListeningAsync(port, token),
            TimeSpan.FromSeconds(30),
            $"node {string.Join(' ', start.ArgumentList)} on port {port}");
        return new NodeMcpServer(process, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}{path}")));
    }

    private static async Task<bool> ListeningAsync(int port, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
            }
        }
    }
}
