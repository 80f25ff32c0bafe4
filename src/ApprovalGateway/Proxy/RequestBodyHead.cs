using System.Buffers;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The agent's request body as the SDK reads it, keeping a copy of its first <see cref="Capacity"/> bytes so that a
/// request the SDK refuses can be described in the audit log. Reading is passed straight through; the copy costs a
/// pooled buffer, given back once the answer starts, and one memory copy.
/// </summary>
internal sealed class RequestBodyHead(Stream inner) : Stream
{
    public const int Capacity = 64 * 1024;

    private byte[]? _head;
    private int _length;
    private bool _cut;

    /// <summary>The bytes kept, as read so far (none once <see cref="Release"/>d).</summary>
    public ReadOnlySequence<byte> Head => _head is null ? ReadOnlySequence<byte>.Empty : new(_head, 0, _length);

    /// <summary>Whether the body went on past what <see cref="Head"/> holds.</summary>
    public bool IsCut => _cut;

    /// <summary>Reads what the SDK left of the body, up to <see cref="Capacity"/> in all, so the head is whole when it can be.</summary>
    public async Task ReadRestAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            while (!_cut && await ReadAsync(buffer.AsMemory(), cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Keep(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Keep(buffer.Span[..read]);
        return read;
    }

    /// <summary>
    /// Gives the copy back: the SDK has read the request and answered it other than as unreadable. A held call's
    /// request lives as long as the call waits, and must not keep its body twice meanwhile.
    /// </summary>
    public void Release()
    {
        _cut = true;
        Return();
    }

    private void Keep(ReadOnlySpan<byte> read)
    {
        if (read.IsEmpty || _cut)
        {
            return;
        }

        var kept = Math.Min(Capacity - _length, read.Length);
        if (_head is null || _head.Length < _length + kept)
        {
            // Grown as the body comes: most requests are a few hundred bytes.
            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(Capacity, Math.Max(_length + kept, Math.Max(1024, (_head?.Length ?? 0) * 2))));
            _head?.AsSpan(0, _length).CopyTo(grown);
            Return();
            _head = grown;
        }

        read[..kept].CopyTo(_head.AsSpan(_length));
        _length += kept;
        _cut = read.Length > kept;
    }

    private void Return()
    {
        if (_head is { } head)
        {
            _head = null;
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Return();
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
