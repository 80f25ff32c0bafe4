using System.Text;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>How the gateway splits a stdio upstream's output into messages, whatever size its writes come in.</summary>
public sealed class BoundedLineReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64 * 1024)]
    public async Task Lines_AreTheSame_HoweverTheBytesArrive(int bytesPerRead)
    {
        var lines = await ReadAllAsync("{\"a\":1}\n\r\n{\"b\":\"é\"}\r\nlast line without newline", maxLineBytes: 100, bytesPerRead);

        Assert.Equal(
            [("Line", "{\"a\":1}"), ("Line", "\r"), ("Line", "{\"b\":\"é\"}\r"), ("Line", "last line without newline")],
            lines);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(64 * 1024)]
    public async Task LineOverTheCap_GivesItsHead_AndTheNextLineIsIntact(int bytesPerRead)
    {
        var huge = new string('x', 200_000);

        var lines = await ReadAllAsync($"short\n{huge}\nafter\n", maxLineBytes: 1000, bytesPerRead);

        Assert.Equal([("Line", "short"), ("Overlong", new string('x', 1000)), ("Line", "after")], lines);
    }

    [Fact]
    public async Task LineOverTheCap_ThatNeverEnds_StillGivesItsHead()
    {
        var lines = await ReadAllAsync(new string('y', 300_000), maxLineBytes: 1000, bytesPerRead: 64 * 1024);

        Assert.Equal([("Overlong", new string('y', 1000))], lines);
    }

    private static async Task<List<(string Kind, string Text)>> ReadAllAsync(string text, long maxLineBytes, int bytesPerRead)
    {
        await using var reader = new BoundedLineReader(new TrickleStream(Encoding.UTF8.GetBytes(text), bytesPerRead), maxLineBytes);
        var lines = new List<(string, string)>();
        while (await reader.ReadLineAsync(CancellationToken.None) is (not BoundedLineReader.Kind.End, var line) read)
        {
            lines.Add((read.Kind.ToString(), Encoding.UTF8.GetString(line)));
        }

        return lines;
    }

    /// <summary>Gives at most a few bytes per read, as a pipe from a slow child process does.</summary>
    private sealed class TrickleStream(byte[] data, int bytesPerRead) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, bytesPerRead)]);
    }
}
