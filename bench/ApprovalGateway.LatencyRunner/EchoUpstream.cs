using System.Collections.Concurrent;
using System.Diagnostics;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// A tiny MCP server in this process whose <c>echo</c> notes the Stopwatch timestamp at which each call arrives,
/// so the time from a decision to the upstream receiving the released call needs no subtraction of guesses.
/// </summary>
internal sealed class EchoUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _arrivals = new(StringComparer.Ordinal);

    private EchoUpstream(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<EchoUpstream> StartAsync()
    {
        EchoUpstream? self = null;
        var (app, url) = await EchoServerApp.StartAsync(message =>
        {
            self!.Arrived(message, Stopwatch.GetTimestamp());
            return message;
        });
        self = new EchoUpstream(app, url);
        return self;
    }

    /// <summary>Completes with the arrival timestamp of the call carrying <paramref name="message"/>.</summary>
    public Task<long> ArrivalOf(string message) => Slot(message).Task;

    public void Forget(string message) => _arrivals.TryRemove(message, out _);

    private void Arrived(string message, long timestamp) => Slot(message).TrySetResult(timestamp);

    private TaskCompletionSource<long> Slot(string message) =>
        _arrivals.GetOrAdd(message, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
