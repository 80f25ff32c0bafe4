using ApprovalGateway.Audit;
using static ApprovalGateway.Tests.Audit.AuditSamples;

namespace ApprovalGateway.Tests.Audit;

public sealed class AuditCsvTests
{
    [Fact]
    public async Task WriteAsync_QuotesFieldsWithCommasQuotesAndNewlines_PerRfc4180()
    {
        var record = Record(1, reason: "said \"no\", twice\nreally") with { DecidedBy = ["alice", "bob"], Arguments = null };
        using var writer = new StringWriter();

        await AuditCsv.WriteAsync(writer, [record], CancellationToken.None);

        var text = writer.ToString();
        Assert.StartsWith(AuditCsv.Header + "\r\n", text, StringComparison.Ordinal);
        var row = text[(AuditCsv.Header.Length + 2)..];
        Assert.Equal(
            "2026-11-25T09:01:00.0000000+00:00,trader,session-1,exchange,place_order,allowed,rule-1,forwarded," +
            "\"said \"\"no\"\", twice\nreally\",,alice;bob,trade,sha-1,,0.5,0,12.25,13\r\n",
            row);
    }

    [Fact]
    public async Task WriteAsync_QuotesArgumentsJson_BecauseItContainsCommasAndQuotes()
    {
        using var writer = new StringWriter();

        await AuditCsv.WriteAsync(writer, [Record(2)], CancellationToken.None);

        Assert.Contains(",\"{\"\"quantity\"\":2,\"\"symbol\"\":\"\"BTC-USD\"\"}\",", writer.ToString(), StringComparison.Ordinal);
    }
}
