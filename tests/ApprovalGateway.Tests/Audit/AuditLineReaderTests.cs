using System.Text;
using ApprovalGateway.Audit;

namespace ApprovalGateway.Tests.Audit;

public sealed class AuditLineReaderTests
{
    private static readonly string[] Lines =
    [
        """{"seq":1,"tool":"place_order"}""",
        "",
        """{"seq":3,"note":"prix 1 000 €, café, 🚀 and a long tail to cross several chunks of every size"}""",
        "x",
        """{"seq":5,"crlf":true}""" + "\r",
        """{"seq":6}""",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(64 * 1024)]
    public void ReadBackward_GivesTheCompleteLinesNewestFirst_WhateverTheChunkSize(int chunkSize)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", Lines) + "\n" + """{"seq":7,"cut":"off"""));

        var end = AuditLineReader.EndOfCompleteLines(stream, chunkSize);
        var backward = AuditLineReader.ReadBackward(stream, end, chunkSize).ToList();
        stream.Position = 0;
        var forward = AuditLineReader.Read(stream).Select(l => l.Text).ToList();

        // The cut-off last line is never a record; a CR before a newline is not part of the line.
        Assert.Equal(forward.AsEnumerable().Reverse(), backward);
        Assert.Equal(Lines.Reverse().Select(l => l.TrimEnd('\r')), backward);
        Assert.Equal(forward.Count, backward.Count);
        Assert.Equal(stream.Length - """{"seq":7,"cut":"off""".Length, end);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no newline at all")]
    public void ReadBackward_GivesNothing_WhenNoLineIsComplete(string content)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));

        var end = AuditLineReader.EndOfCompleteLines(stream, 4);

        Assert.Equal(0, end);
        Assert.Empty(AuditLineReader.ReadBackward(stream, end, 4));
    }

    [Fact]
    public void ReadBackward_ReadsOnlyAsFarAsItIsAsked()
    {
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 10_000).Select(i => $"{{\"seq\":{i}}}\n")));
        using var stream = new CountingStream(content);

        var newest = AuditLineReader.ReadBackward(stream, AuditLineReader.EndOfCompleteLines(stream, 1024), 1024).Take(3).ToList();

        Assert.Equal(["""{"seq":10000}""", """{"seq":9999}""", """{"seq":9998}"""], newest);
        Assert.True(stream.BytesRead <= 2 * 1024, $"read {stream.BytesRead} of {content.Length} bytes for the three newest lines");
    }

    /// <summary>A derived MemoryStream sends span reads through this overload too, so each byte is counted once.</summary>
    private sealed class CountingStream(byte[] content) : MemoryStream(content)
    {
        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            BytesRead += read;
            return read;
        }
    }
}
