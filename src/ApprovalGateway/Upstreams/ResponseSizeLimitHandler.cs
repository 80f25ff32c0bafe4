using System.Net;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Caps what one answer of an HTTP upstream may hold (a JSON body, or the SSE stream of one request), so a runaway or
/// hostile server cannot fill the gateway's memory. The standalone GET stream of notifications lives as long as the
/// session and is not capped; its messages are small by nature.
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
        if (request.Method == HttpMethod.Post)
        {
            response.Content = new LimitedContent(response.Content, upstream, maxBytes);
        }

        return response;
    }

    private sealed class LimitedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly string _upstream;
        private readonly long _maxBytes;

        public LimitedContent(HttpContent inner, string upstream, long maxBytes)
        {
            (_inner, _upstream, _maxBytes) = (inner, upstream, maxBytes);
            foreach (var (name, values) in inner.Headers)
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new LimitedStream(await _inner.ReadAsStreamAsync(cancellationToken), _upstream, _maxBytes);

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

    /// <summary>Reads through to the upstream's body and fails once it has given more than the cap.</summary>
    private sealed class LimitedStream(Stream inner, string upstream, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > maxBytes)
            {
                s_watch.Value?.Happened = true;
                throw new IOException(
                    $"its answer exceeded {maxBytes} bytes (Gateway:Upstreams:{upstream}:MaxResponseBytes), so the gateway stopped reading it");
            }

            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
