using System.Diagnostics;
using ApprovalGateway.Testing;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// A server the runner starts as a process of its own (this same executable in a server mode), so that the
/// CPU time it spends is its own figure and never mixed into the client's.
/// </summary>
internal sealed class RunnerServerProcess : IAsyncDisposable
{
    /// <summary>A minimal MCP server on the C# SDK with one <c>echo</c> tool (see <see cref="EchoServerApp"/>).</summary>
    public const string EchoMode = "echo-server";

    /// <summary>A bare HTTP relay to the URL that follows the mode (see <see cref="BareRelayApp"/>).</summary>
    public const string RelayMode = "bare-relay";

    private const string ReadyPrefix = "listening on ";

    private readonly ChildProcess _process;

    private RunnerServerProcess(ChildProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>The MCP endpoint.</summary>
    public Uri Url { get; }

    public TimeSpan CpuTime => _process.CpuTime;

    public static Task<RunnerServerProcess> EchoAsync() => StartAsync("the .NET echo server", EchoMode);

    public static Task<RunnerServerProcess> RelayAsync(Uri upstream) => StartAsync("the bare HTTP relay", RelayMode, upstream.ToString());

    private static async Task<RunnerServerProcess> StartAsync(string what, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { typeof(RunnerServerProcess).Assembly.Location } };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Start(start, line =>
        {
            if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
            {
                listening.TrySetResult(new Uri(line[ReadyPrefix.Length..]));
            }
        });
        var url = await process.WaitReadyAsync(token => listening.Task.WaitAsync(token), TimeSpan.FromSeconds(30), what);
        return new RunnerServerProcess(process, url);
    }

    /// <summary>The child's side: serves until killed.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (app, url) = args switch
        {
            [EchoMode] => await EchoServerApp.StartAsync(message => message),
            [RelayMode, var upstream] => await BareRelayApp.StartAsync(new Uri(upstream)),
            _ => throw new ArgumentException($"Unknown server mode: {string.Join(' ', args)}"),
        };
        Console.WriteLine($"{ReadyPrefix}{url}");
        await app.WaitForShutdownAsync();
        return 0;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
