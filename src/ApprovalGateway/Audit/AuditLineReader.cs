using System.Text;

namespace ApprovalGateway.Audit;

/// <summary>
/// Reads only complete lines (ending in <c>\n</c>). A crash mid-write can leave a last line without its newline;
/// it is never a record, so every reader skips it and the writer cuts it off at startup.
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

    private static string Decode(MemoryStream pending)
    {
        var text = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
        return text.EndsWith('\r') ? text[..^1] : text;
    }
}
