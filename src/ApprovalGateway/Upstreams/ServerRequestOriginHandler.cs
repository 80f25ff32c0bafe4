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
    private sealed class SpottedStream(Stream inner, HttpContent owner, SseRequestSpotter spotter) : ReadAlongStream(inner)
    {
        protected override int Seen(ReadOnlySpan<byte> chunk)
        {
            spotter.Read(chunk);
            return chunk.Length;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
