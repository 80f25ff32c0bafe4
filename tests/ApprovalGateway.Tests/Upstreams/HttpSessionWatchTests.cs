using System.Net;
using System.Threading.Channels;
using ApprovalGateway.Testing;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// Once an HTTP upstream's session is lost, the requests the SDK's client goes on making on it are refused without
/// reaching the network; the reconnections of its event stream only after a pause, since the SDK retries them at once.
/// </summary>
public sealed class HttpSessionWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SessionWhoseUpstreamIsKilled_HasItsStreamReconnectionsRefusedOneAPause_NotInALoopThatHoldsAThread()
    {
        await using var everything = await NodeMcpServer.EverythingAsync();
        var time = new PauseWatch();
        var watch = new HttpSessionWatch(new SocketsHttpHandler(), time, TimeSpan.FromSeconds(30));
        var gets = new GetLog(watch);
        var transport = new WatchedHttpTransport(
            new HttpClientTransport(new() { Endpoint = everything.Url, TransportMode = HttpTransportMode.StreamableHttp }, new HttpClient(gets), ownsHttpClient: true),
            watch);
        var client = await McpClient.CreateAsync(transport);
        await gets.StreamOpened.WaitAsync(Patience);

        await everything.KillAsync();
        await watch.Lost.WaitAsync(Patience);
        await time.Paused.ReadAsync().AsTask().WaitAsync(Patience);
        var refusedBeforeThePause = gets.Refused;
        time.Advance(TimeSpan.FromSeconds(1));
        await time.Paused.ReadAsync().AsTask().WaitAsync(Patience);
        var refusedAfterIt = gets.Refused;
        await client.DisposeAsync().AsTask().WaitAsync(Patience);

        // Before, the SDK's client retried at once, on the same thread, until the session was disposed: with a few
        // sessions at it together the gateway stopped answering for seconds (44 s seen), the links that would dispose
        // them waiting for a thread too.
        Assert.Equal(0, refusedBeforeThePause);
        Assert.Equal(1, refusedAfterIt);
        Assert.True(gets.EndedOnDisposal, "the paused reconnection ended with the session");
    }

    [Fact]
    public async Task AfterTheSessionIsLost_APost_IsRefusedAtOnce_AsUnsent_AndADelete_IsAnsweredWithoutTheNetwork()
    {
        var time = new PauseWatch();
        var network = new RefusingNetwork();
        using var http = new HttpClient(new HttpSessionWatch(network, time, TimeSpan.FromSeconds(30)));

        var first = await Assert.ThrowsAsync<UpstreamSessionLostException>(() => http.SendAsync(Request(HttpMethod.Post)));
        var second = await Assert.ThrowsAsync<UpstreamSessionLostException>(() => http.SendAsync(Request(HttpMethod.Post)));
        using var delete = await http.SendAsync(Request(HttpMethod.Delete));

        Assert.True(first.RefusedPost);
        Assert.True(second.RefusedPost);
        Assert.Contains("Connection refused", second.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(1, network.Requests);
        Assert.Equal(0, time.Pauses);
    }

    private static HttpRequestMessage Request(HttpMethod method) =>
        new(method, "http://localhost:1/mcp") { Headers = { { "Mcp-Session-Id", "s1" } } };

    /// <summary>Fake time that says when a pause begins.</summary>
    private sealed class PauseWatch : TimeProvider
    {
        private readonly FakeTimeProvider _time = new();
        private readonly Channel<bool> _paused = Channel.CreateUnbounded<bool>();
        private int _pauses;

        public ChannelReader<bool> Paused => _paused.Reader;

        public int Pauses => Volatile.Read(ref _pauses);

        public void Advance(TimeSpan delta) => _time.Advance(delta);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _time.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _pauses);
            _paused.Writer.TryWrite(true);
            return timer;
        }
    }

    /// <summary>The SDK's GETs on the session, as they come to the watch.</summary>
    private sealed class GetLog(HttpMessageHandler watch) : DelegatingHandler(watch)
    {
        private readonly TaskCompletionSource _streamOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _refused;
        private volatile bool _endedOnDisposal;

        public Task StreamOpened => _streamOpened.Task;

        public int Refused => Volatile.Read(ref _refused);

        public bool EndedOnDisposal => _endedOnDisposal;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Get)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    _streamOpened.TrySetResult();
                }

                return response;
            }
            catch (UpstreamSessionLostException)
            {
                Interlocked.Increment(ref _refused);
                throw;
            }
            catch (OperationCanceledException)
            {
                _endedOnDisposal = true;
                throw;
            }
        }
    }

    /// <summary>A server that is gone: every connection is refused.</summary>
    private sealed class RefusingNetwork : HttpMessageHandler
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (localhost:1)");
        }
    }
}
