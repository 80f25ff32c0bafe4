using System.Text;

namespace ApprovalGateway.Audit;

/// <summary>
/// Reads only complete lines (ending in <c>\n</c>). A crash mid-write can leave a last line without its newline;
/// it is never a record, so every reader skips it and the writer cuts it off at startup. Forwards for checking the
/// whole chain; backwards from the end for the newest records, so opening the log and answering a search cost what
/// they read, not the size of a file that only grows.
/// </summary>
internal static class AuditLineReader
{
    private const int ChunkSize = 64 * 1024;

    public static IEnumerable<AuditLine> Read(Stream stream)
    {
        var chunk = new byte[ChunkSize];
        var pending = new MemoryStream();
        var number = 0;
        long offset = stream.Position;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (chunk[i] != (byte)'\n')
                {
                    continue;
                }

                pending.Write(chunk, start, i - start);
                offset += pending.Length + 1;
                yield return new AuditLine(++number, Decode(pending), offset);
                pending.SetLength(0);
                start = i + 1;
            }

            pending.Write(chunk, start, read - start);
        }
    }

    /// <summary>The offset just past the last newline: where the complete lines end (0 when there is none).</summary>
    public static long EndOfCompleteLines(Stream stream, int chunkSize = ChunkSize)
    {
        var chunk = new byte[chunkSize];
        var position = stream.Length;
        while (position > 0)
        {
            var count = (int)Math.Min(chunkSize, position);
            position -= count;
            ReadAt(stream, position, chunk.AsSpan(0, count));
            var newline = chunk.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }
        }

        return 0;
    }

    /// <summary>The complete lines before <paramref name="end"/> (an offset just past a newline), newest first.</summary>
    public static IEnumerable<string> ReadBackward(Stream stream, long end, int chunkSize = ChunkSize)
    {
        var chunk = new byte[chunkSize];
        // The bytes of the line being read that lie after the current chunk, newest segment last.
        var later = new List<byte[]>();
        var position = end - 1;
        while (position > 0)
        {
            var count = (int)Math.Min(chunkSize, position);
            position -= count;
            ReadAt(stream, position, chunk.AsSpan(0, count));
            var lineEnd = count;
            for (var i = count - 1; i >= 0; i--)
            {
                if (chunk[i] == (byte)'\n')
                {
                    yield return Join(chunk.AsSpan(i + 1, lineEnd - i - 1), later);
                    later.Clear();
                    lineEnd = i;
                }
            }

            later.Insert(0, chunk[..lineEnd]);
        }

        if (end > 0)
        {
            yield return Join([], later);
        }
    }

    public static IEnumerable<AuditLine> Read(string path)
    {
        using var stream = OpenForReading(path);
        foreach (var line in Read(stream))
        {
            yield return line;
        }
    }

    /// <summary>Opens the file so the writer can keep appending while it is read.</summary>
    public static FileStream OpenForReading(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);

    private static void ReadAt(Stream stream, long position, Span<byte> into)
    {
        stream.Position = position;
        stream.ReadExactly(into);
    }

    private static string Join(ReadOnlySpan<byte> first, List<byte[]> rest)
    {
        var length = first.Length + rest.Sum(r => r.Length);
        var bytes = new byte[length];
        first.CopyTo(bytes);
        var at = first.Length;
        foreach (var part in rest)
        {
            part.CopyTo(bytes, at);
            at += part.Length;
        }

        var text = Encoding.UTF8.GetString(bytes);
        return text.EndsWith('\r') ? text[..^1] : text;
    }

    private static string Decode(MemoryStream pending)
    {
        var text = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
        return text.EndsWith('\r') ? text[..^1] : text;
    }
}
