namespace ApprovalGateway.Upstreams;

/// <summary>
/// Has the SSE answer to each of the gateway's POSTs made for one of the agent's requests read along by a
/// <see cref="SseRequestSpotter"/>: a Streamable HTTP server sends the requests a call causes (sampling, elicitation)
/// on that call's stream, which is the only sign of which call they belong to, and the SDK's client does not pass it on.
/// </summary>
internal sealed class ServerRequestOriginHandler(ServerRequestOrigins origins, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.Method != HttpMethod.Post || UpstreamClientRole.Origin is not { } origin
            || !string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return response;
        }

        var answer = response.Content;
        var spotted = new StreamContent(new SpottedStream(await answer.ReadAsStreamAsync(cancellationToken), answer, new SseRequestSpotter(origins, origin)));
        foreach (var (name, values) in answer.Headers)
        {
            spotted.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = spotted;
        return response;
    }

    /// <summary>The answer's body, shown to the spotter on its way to the reader.</summary>
    private sealed class SpottedStream(Stream inner, HttpContent owner, SseRequestSpotter spotter) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            spotter.Read(buffer.AsSpan(offset, read));
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            spotter.Read(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
