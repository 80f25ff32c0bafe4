using System.Text.Json.Nodes;
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
            "\"said \"\"no\"\", twice\nreally\",,alice;bob,trade,sha-1,,0.5,0,12.25,13,,,,\r\n",
            row);
    }

    [Fact]
    public async Task WriteAsync_QuotesArgumentsJson_BecauseItContainsCommasAndQuotes()
    {
        using var writer = new StringWriter();

        await AuditCsv.WriteAsync(writer, [Record(2)], CancellationToken.None);

        Assert.Contains(",\"{\"\"quantity\"\":2,\"\"symbol\"\":\"\"BTC-USD\"\"}\",", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ExportsFormulaArgumentAsInertJsonText_BecauseTheCellStartsWithABrace()
    {
        var record = Record(3) with { Arguments = new JsonObject { ["note"] = "=HYPERLINK(\"https://evil.example\",\"click\")" } };

        var row = await RowAsync(record);

        Assert.Contains(
            ""","{""note"":""=HYPERLINK(\u0022https://evil.example\u0022,\u0022click\u0022)""}",""",
            row,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.example\",\"click\")", "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"click\"\")\"")]
    [InlineData("+1+cmd|' /C calc'!A0", "\"'+1+cmd|' /C calc'!A0\"")]
    [InlineData("-2+3", "\"'-2+3\"")]
    [InlineData("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"")]
    [InlineData("\t=1+1", "\"'\t=1+1\"")]
    [InlineData("\r=1+1", "\"'\r=1+1\"")]
    public async Task WriteAsync_PrefixesQuoteInsideQuotedCell_WhenTextStartsLikeAFormula(string text, string cell)
    {
        var record = Record(4, tool: text, reason: text) with { Agent = text, Arguments = null, Instance = text };

        var row = await RowAsync(record);

        Assert.Equal(
            $"2026-11-25T09:04:00.0000000+00:00,{cell},session-4,exchange,{cell},allowed,rule-1,forwarded,{cell},,,trade,sha-4,,0.5,0,12.25,13,{cell},,,\r\n",
            row);
    }

    [Fact]
    public async Task WriteAsync_LeavesPlainTextAndNegativeLatenciesUnchanged()
    {
        var record = Record(5, reason: "limit 3-per-minute, a=b") with
        {
            Arguments = null,
            PolicyMilliseconds = -1,
            WaitMilliseconds = -0.25,
        };

        var row = await RowAsync(record);

        Assert.Equal(
            "2026-11-25T09:05:00.0000000+00:00,trader,session-5,exchange,place_order,allowed,rule-1,forwarded," +
            "\"limit 3-per-minute, a=b\",,,trade,sha-5,,-1,-0.25,12.25,13,,,,\r\n",
            row);
    }

    [Fact]
    public async Task WriteAsync_PutsAPolicyRecordsFileAndHashesInColumnsOfTheirOwn_AfterTheEarlierColumns()
    {
        var rejected = new string('b', 64);
        var inForce = new string('a', 64);
        var record = Record(6, tool: "", decision: "policy_rejected", outcome: "policy_rejected", reason: "policy rejected") with
        {
            Agent = null,
            Arguments = null,
            PolicyPath = "/etc/approval-gateway/policy.json",
            PolicySha256 = rejected,
            PolicyInForceSha256 = inForce,
        };

        var row = await RowAsync(record);

        Assert.EndsWith($",13,,/etc/approval-gateway/policy.json,{rejected},{inForce}\r\n", row, StringComparison.Ordinal);
        Assert.EndsWith(",instance,policy_path,policy_sha256,policy_in_force_sha256", AuditCsv.Header, StringComparison.Ordinal);
    }

    private static async Task<string> RowAsync(AuditRecord record)
    {
        using var writer = new StringWriter();
        await AuditCsv.WriteAsync(writer, [record], CancellationToken.None);
        return writer.ToString()[(AuditCsv.Header.Length + 2)..];
    }
}
