using System.Net;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Caps what one answer of an HTTP upstream may hold (a JSON body, or the SSE stream of one request), so a runaway or
/// hostile server cannot fill the gateway's memory. A GET stream lives as long as the session, so there each event is
/// capped instead: the older HTTP+SSE transport sends every answer on it, Streamable HTTP the server's own messages.
/// </summary>
internal sealed class ResponseSizeLimitHandler(string upstream, long maxBytes) : DelegatingHandler(new SocketsHttpHandler())
{
    private static readonly AsyncLocal<Cutoff?> s_watch = new();

    /// <summary>
    /// Watches the answers read from here on in this async flow. The SDK's client ends a cut-off SSE answer as one
    /// without a reply, so the caller asks the watch why.
    /// </summary>
    public static Cutoff Watch() => s_watch.Value = new Cutoff();

    public sealed class Cutoff
    {
        public bool Happened { get; set; }
    }
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        response.Content = new LimitedContent(response.Content, upstream, maxBytes, perEvent: request.Method == HttpMethod.Get);
        return response;
    }

    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly string _upstream;
        private readonly long _maxBytes;
        private readonly bool _perEvent;

        public LimitedContent(HttpContent inner, string upstream, long maxBytes, bool perEvent)
        {
            (_inner, _upstream, _maxBytes, _perEvent) = (inner, upstream, maxBytes, perEvent);
            foreach (var (name, values) in inner.Headers)
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new LimitedStream(await _inner.ReadAsStreamAsync(cancellationToken), _upstream, _maxBytes, _perEvent);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await using var limited = await CreateContentReadStreamAsync(cancellationToken);
            await limited.CopyToAsync(stream, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Reads through to the upstream's body and fails once it has given more than the cap, in all or, per event, since
    /// the last blank line.
    /// </summary>
    private sealed class LimitedStream(Stream inner, string upstream, long maxBytes, bool perEvent) : ReadAlongStream(inner)
    {
        private long _read;
        private long _sinceEvent;
        private byte _previous;
        private bool _atLineStart = true;

        protected override int Seen(ReadOnlySpan<byte> chunk) => Count(chunk);

        private int Count(ReadOnlySpan<byte> read)
        {
            _read += read.Length;
            var over = perEvent ? EventOverCap(read) : _read > maxBytes;
            if (over)
            {
                s_watch.Value?.Happened = true;
                throw perEvent
                    ? new UpstreamMessageTooLargeException(upstream, maxBytes)
                    : new IOException(
                        $"its answer exceeded {maxBytes} bytes (Gateway:Upstreams:{upstream}:MaxResponseBytes), so the gateway stopped reading it");
            }

            return read.Length;
        }

        /// <summary>Follows SSE's framing (an event ends at a blank line; CR, LF or CRLF end a line).</summary>
        private bool EventOverCap(ReadOnlySpan<byte> read)
        {
            foreach (var b in read)
            {
                if (b == (byte)'\n' && _previous == (byte)'\r')
                {
                    // The second half of a CRLF.
                }
                else if (b is (byte)'\n' or (byte)'\r')
                {
                    if (_atLineStart)
                    {
                        _sinceEvent = 0;
                    }

                    _atLineStart = true;
                }
                else
                {
                    _atLineStart = false;
                    if (++_sinceEvent > maxBytes)
                    {
                        return true;
                    }
                }

                _previous = b;
            }

            return false;
        }
    }
}
