using System.Diagnostics;
using ApprovalGateway.Testing;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// A minimal MCP server on the official C# SDK (Kestrel, stateful Streamable HTTP, one <c>echo</c> tool) in a
/// process of its own. Its calls cost next to nothing, so the gateway's own share of a call shows apart from the
/// upstream's: server-everything spends about 1.5 ms of CPU on each echo, and on a small machine the gateway and
/// the client compete with it for cores.
/// </summary>
internal sealed class EchoServerProcess : IAsyncDisposable
{
    public const string Mode = "echo-server";

    private const string ReadyPrefix = "listening on ";

    private readonly ChildProcess _process;

    private EchoServerProcess(ChildProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The MCP endpoint.</summary>
    public Uri Url { get; }

    public static async Task<EchoServerProcess> StartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { typeof(EchoServerProcess).Assembly.Location, Mode } };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Start(start, line =>
        {
            if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[ReadyPrefix.Length..]));
            }
        });
        var url = await process.WaitReadyAsync(token => listening.Task.WaitAsync(token), TimeSpan.FromSeconds(30), "the .NET echo server");
        return new EchoServerProcess(process, url);
    }

    /// <summary>The child's side: serves until killed.</summary>
    public static async Task<int> RunAsync()
    {
        var (app, url) = await EchoServerApp.StartAsync(message => message);
        Console.WriteLine($"{ReadyPrefix}{url}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
