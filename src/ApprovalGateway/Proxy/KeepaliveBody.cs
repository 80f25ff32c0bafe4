namespace ApprovalGateway.Proxy;

/// <summary>
/// The response body of an agent's MCP request, which <see cref="EventStreamKeepalive"/> can write an SSE comment to
/// while it carries an event stream that has gone quiet. Comments go only between events (the SDK writes each event
/// in one write, and nothing is written while a write is under way), never into a refusal's JSON body, and never after
/// the request ended.
/// </summary>
internal sealed class KeepaliveBody(Stream inner, HttpResponse response, CancellationToken aborted) : WriteOnlyStream
{
    // A comment line, which every SSE parser skips; the name says what it is to someone reading a capture.
    private static readonly ReadOnlyMemory<byte> Comment = ": keepalive\n\n"u8.ToArray();

    // One writer at a time: Kestrel's body takes no concurrent writes, and a comment must not split an event.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private int _wrote = 1;
    private byte _secondLast = (byte)'\n';
    private byte _last = (byte)'\n';
    private volatile bool _answersRequest;
    private bool _closed;

    /// <summary>
    /// Says the request is one the gateway answers on an event stream (the SDK has set its headers), so a comment may
    /// send those headers before the answer: an agent on a protocol version before 2025-11-25 gets no priming event,
    /// and would otherwise see nothing at all, not even the headers, until a held call is decided.
    /// </summary>
    public void AnswersRequest() => _answersRequest = true;

    /// <summary>
    /// Called once per half interval: writes a comment when nothing was written since the last call, so no event stream
    /// stays silent for longer than the interval.
    /// </summary>
    public void Tick()
    {
        if (Interlocked.Exchange(ref _wrote, 0) == 1 || aborted.IsCancellationRequested || !(response.HasStarted || _answersRequest))
        {
            return;
        }

        _ = SendCommentAsync();
    }

    private async Task SendCommentAsync()
    {
        // A write under way is not silence; the next tick looks again.
        if (!_turn.Wait(0))
        {
            return;
        }

        try
        {
            if (_closed || _secondLast != '\n' || _last != '\n' || response.StatusCode != StatusCodes.Status200OK ||
                response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) != true)
            {
                return;
            }

            await inner.WriteAsync(Comment, aborted);
            await inner.FlushAsync(aborted);

            // The comment breaks the silence too: the next one is due an interval on, not at the next look.
            Volatile.Write(ref _wrote, 1);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The agent's connection went: the request ends on its own, and its own writes say so.
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Ends the comments before the request's end: Kestrel completes the response after it.</summary>
    public async Task CloseAsync()
    {
        await _turn.WaitAsync(CancellationToken.None);
        _closed = true;
        _turn.Release();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            Wrote(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _turn.Wait();
        try
        {
            Wrote(buffer);
            inner.Write(buffer);
        }
        finally
        {
            _turn.Release();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _turn.Release();
        }
    }

    public override void Flush()
    {
        _turn.Wait();
        try
        {
            inner.Flush();
        }
        finally
        {
            _turn.Release();
        }
    }

    // Remembers that the stream was written to, and whether what was written ends an event (a blank line).
    private void Wrote(ReadOnlySpan<byte> buffer)
    {
        Volatile.Write(ref _wrote, 1);
        if (buffer.Length >= 2)
        {
            (_secondLast, _last) = (buffer[^2], buffer[^1]);
        }
        else if (buffer.Length == 1)
        {
            (_secondLast, _last) = (_last, buffer[0]);
        }
    }
}
