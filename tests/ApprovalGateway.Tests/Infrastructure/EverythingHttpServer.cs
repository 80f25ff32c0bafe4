using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>The official server-everything over Streamable HTTP, as its own node process on a free loopback port.</summary>
internal sealed class EverythingHttpServer : IAsyncDisposable
{
    private readonly Process _process;

    private EverythingHttpServer(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <param name="legacySse">Serve the older HTTP+SSE transport (<c>/sse</c>) instead of Streamable HTTP.</param>
    public static async Task<EverythingHttpServer> StartAsync(bool legacySse = false)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("node", [RepoPaths.ServerEverything, legacySse ? "sse" : "streamableHttp"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains($"port {port}", StringComparison.OrdinalIgnoreCase) == true)
            {
                listening.TrySetResult();
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new EverythingHttpServer(process, new Uri($"http://127.0.0.1:{port}/{(legacySse ? "sse" : "mcp")}"));
    }

    internal static int FreePort()
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
