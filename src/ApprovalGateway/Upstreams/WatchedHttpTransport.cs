using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// An HTTP upstream connection whose session ends when its <see cref="HttpSessionWatch"/> says so, as a stdio session
/// ends with its process: the client's <see cref="McpClient.Completion"/> then says why, its waiting requests fail, and
/// the link reconnects. The SDK's own client ends a Streamable HTTP session only on a 404.
/// </summary>
internal sealed class WatchedHttpTransport(IClientTransport inner, HttpSessionWatch watch) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken), watch.Lost);

    private sealed class Session(ITransport inner, Task<UpstreamSessionLostException> lost) : ITransport
    {
        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader { get; } = new EndingReader(inner.MessageReader, lost);

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
            inner.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>
    /// The session's messages, ending when the session is lost or when they end of themselves. Its completion is one
    /// task from the start, since the SDK's client reads it once; it is settled before a read is refused, since the
    /// client fails its waiting requests with what it holds then.
    /// </summary>
    private sealed class EndingReader : ChannelReader<JsonRpcMessage>
    {
        private readonly ChannelReader<JsonRpcMessage> _inner;
        private readonly Task<UpstreamSessionLostException> _lost;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EndingReader(ChannelReader<JsonRpcMessage> inner, Task<UpstreamSessionLostException> lost)
        {
            (_inner, _lost) = (inner, lost);
            _ = inner.Completion.ContinueWith(_ => Settle(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            _ = lost.ContinueWith(_ => Settle(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public override Task Completion => _ended.Task;

        public override bool TryRead(out JsonRpcMessage item) => _inner.TryRead(out item!);

        public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var waiting = _inner.WaitToReadAsync(cancellationToken);
                if (waiting.IsCompleted)
                {
                    return Answer(await waiting);
                }

                if (!_lost.IsCompleted)
                {
                    var reading = waiting.AsTask();
                    if (await Task.WhenAny(reading, _lost) == reading)
                    {
                        return Answer(await reading);
                    }
                }

                Settle();
                return false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The messages ended with an error (a channel says so by throwing it here).
                Settle();
                throw;
            }
        }

        private bool Answer(bool more)
        {
            if (!more)
            {
                Settle();
            }

            return more;
        }

        private void Settle()
        {
            if (_lost.IsCompleted)
            {
                _ended.TrySetException(new ClientTransportClosedException(new HttpClientCompletionDetails { Exception = _lost.Result }));
            }
            else if (_inner.Completion is { IsCompleted: true } completion)
            {
                if (completion.Exception?.InnerException is { } error)
                {
                    _ended.TrySetException(error);
                }
                else if (completion.IsCanceled)
                {
                    _ended.TrySetCanceled();
                }
                else
                {
                    _ended.TrySetResult();
                }
            }
        }
    }
}
