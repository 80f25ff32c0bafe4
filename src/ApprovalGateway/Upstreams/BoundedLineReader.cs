using System.Buffers;
using System.IO.Pipelines;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Splits a byte stream into newline-ended lines without ever holding more than <c>maxLineBytes</c> of one line,
/// so a child process that never writes a newline cannot fill the gateway's memory.
/// </summary>
internal sealed class BoundedLineReader(Stream stream, long maxLineBytes) : IAsyncDisposable
{
    private readonly PipeReader _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024));
    private ReadOnlySequence<byte> _buffer;
    private bool _holdingBuffer;
    private bool _completed;
    private long _scanned;
    private bool _skippingRestOfLine;

    public enum Kind
    {
        /// <summary>A whole line, without its newline.</summary>
        Line,

        /// <summary>The first <c>maxLineBytes</c> of a longer line; the rest of it is skipped.</summary>
        Overlong,

        /// <summary>The stream ended.</summary>
        End,
    }

    /// <summary>The next line. Its bytes stay valid until the next call.</summary>
    public async ValueTask<(Kind Kind, ReadOnlySequence<byte> Line)> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_holdingBuffer)
            {
                // Only the bytes not yet searched are searched again, so a long line costs one pass, not one per read.
                if (_buffer.Slice(_scanned).PositionOf((byte)'\n') is { } newline)
                {
                    var line = _buffer.Slice(0, newline);
                    _buffer = _buffer.Slice(_buffer.GetPosition(1, newline));
                    _scanned = 0;
                    if (_skippingRestOfLine)
                    {
                        _skippingRestOfLine = false;
                        continue;
                    }

                    // A line that arrived whole with its newline may still be over the cap.
                    return line.Length > maxLineBytes ? (Kind.Overlong, line.Slice(0, maxLineBytes)) : (Kind.Line, line);
                }

                if (_skippingRestOfLine)
                {
                    _buffer = _buffer.Slice(_buffer.End);
                }
                else if (_buffer.Length > maxLineBytes)
                {
                    var head = _buffer.Slice(0, maxLineBytes);
                    _buffer = _buffer.Slice(head.End);
                    _skippingRestOfLine = true;
                    _scanned = 0;
                    return (Kind.Overlong, head);
                }
                else if (_completed)
                {
                    // A last line without its newline still counts.
                    var last = _buffer;
                    _buffer = _buffer.Slice(_buffer.End);
                    _scanned = 0;
                    return last.IsEmpty ? (Kind.End, default) : (Kind.Line, last);
                }

                _scanned = _buffer.Length;
                _reader.AdvanceTo(_buffer.Start, _buffer.End);
                _holdingBuffer = false;
            }

            if (_completed)
            {
                return (Kind.End, default);
            }

            var result = await _reader.ReadAsync(cancellationToken);
            _buffer = result.Buffer;
            _completed = result.IsCompleted || result.IsCanceled;
            _holdingBuffer = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_holdingBuffer)
        {
            _reader.AdvanceTo(_buffer.End);
            _holdingBuffer = false;
        }

        await _reader.CompleteAsync();
    }
}
