namespace ApprovalGateway.Proxy;

/// <summary>
/// The response body of an MCP POST, holding back what is written while the status is 400, so that the gateway can
/// answer a body the SDK could not read in its own words (-32700 for one that is not JSON, where the SDK says -32600
/// for all). The SDK sends a refusal's headers before its body, and both answers are 400 with a JSON body, so only
/// the body is swapped. Anything else, a held call's event stream included, is written straight through.
/// </summary>
internal sealed class HeldRefusalBody(Stream inner, HttpResponse response) : WriteOnlyStream
{
    // The SDK's refusals are a line of JSON; a 400 body past this is no refusal of its, and is sent as it comes.
    private const int MaxHeld = 16 * 1024;

    private MemoryStream? _held;
    private bool _through;

    /// <summary>Whether a 400 body was held back; <see cref="SendAsync"/> sends it or its replacement.</summary>
    public bool IsHolding => _held is not null && !_through;

    /// <summary>What was held back, while <see cref="IsHolding"/>.</summary>
    public ReadOnlySpan<byte> Held => IsHolding ? _held!.GetBuffer().AsSpan(0, (int)_held.Length) : default;

    /// <summary>
    /// Sends <paramref name="replacement"/> instead of what was held (or as the whole body, when nothing was written),
    /// or what was held when it is null.
    /// </summary>
    public async Task SendAsync(byte[]? replacement, CancellationToken cancellationToken)
    {
        if (_through || (replacement is null && _held is null))
        {
            return;
        }

        _through = true;
        var answer = replacement is null ? _held!.GetBuffer().AsMemory(0, (int)_held!.Length) : replacement.AsMemory();
        await inner.WriteAsync(answer, cancellationToken);
        _held = null;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Holds(buffer.Length))
        {
            _held!.Write(buffer);
            return;
        }

        if (_held is { } held)
        {
            _held = null;
            inner.Write(held.GetBuffer(), 0, (int)held.Length);
        }

        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Holds(buffer.Length))
        {
            _held!.Write(buffer.Span);
            return;
        }

        if (_held is { } held)
        {
            _held = null;
            await inner.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
        }

        await inner.WriteAsync(buffer, cancellationToken);
    }

    private bool Holds(int count)
    {
        if (_through)
        {
            return false;
        }

        if (response.StatusCode != StatusCodes.Status400BadRequest || (_held?.Length ?? 0) + count > MaxHeld)
        {
            _through = true;
            return false;
        }

        _held ??= new MemoryStream();
        return true;
    }

    // Flushing sends the headers (the SDK flushes an event stream's first event at once); held bytes stay held.
    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
