using System.Globalization;
using System.Text;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Audit;

/// <summary>
/// CSV export (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF). Text cells that a
/// spreadsheet would read as a formula are defused (OWASP "CSV injection"), because agents choose tool arguments and
/// names and upstreams choose error texts, and all of them land here.
/// </summary>
internal static class AuditCsv
{
    public const string Header =
        "time,agent,session_id,upstream,tool,decision,rule,outcome,reason,approval_id,decided_by,risk_class," +
        "arguments_sha256,arguments,policy_ms,wait_ms,upstream_ms,total_ms,instance,policy_path,policy_sha256,policy_in_force_sha256";

    // What spreadsheet programs take as the start of a formula, or skip before looking for one.
    private const string FormulaStarts = "=+-@\t\r";

    public static Task WriteAsync(TextWriter writer, IEnumerable<AuditRecord> records, CancellationToken cancellationToken) =>
        WriteAsync(writer, records.ToAsyncEnumerable(), cancellationToken);

    /// <summary>Writes each row as its record arrives, so the export never holds more than the writer's buffer.</summary>
    public static async Task WriteAsync(TextWriter writer, IAsyncEnumerable<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var rows = records.GetAsyncEnumerator(cancellationToken);

        // Read before the header is written: a source that fails at once (its database down) then fails the request
        // with an error status, not with a download cut short after its first line.
        var more = await rows.MoveNextAsync();
        await writer.WriteAsync(Header + "\r\n");
        var row = new StringBuilder();
        for (; more; more = await rows.MoveNextAsync())
        {
            row.Clear();
            AppendRow(row, rows.Current);
            await writer.WriteAsync(row.Append("\r\n"), cancellationToken);
        }
    }

    private static void AppendRow(StringBuilder row, AuditRecord r)
    {
        string?[] text =
        [
            r.Time.ToString("O", CultureInfo.InvariantCulture), r.Agent, r.SessionId, r.Upstream, r.Tool, r.Decision, r.Rule,
            r.Outcome, r.Reason, r.ApprovalId, string.Join(';', r.DecidedBy), r.RiskClass, r.ArgumentsSha256,
            r.Arguments is null ? null : CanonicalJson.Serialize(r.Arguments),
        ];
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0)
            {
                row.Append(',');
            }

            AppendText(row, text[i]);
        }

        // The latencies are numbers the gateway measured, never text anyone chose, and a spreadsheet must be able to
        // add them up: a negative one stays a number ("-1" is a value, not a formula), so they are never prefixed.
        double[] numbers = [r.PolicyMilliseconds, r.WaitMilliseconds, r.UpstreamMilliseconds, r.TotalMilliseconds];
        foreach (var number in numbers)
        {
            row.Append(',').Append(number.ToString("0.###", CultureInfo.InvariantCulture));
        }

        // Last, so the columns before them stay where scripts written for earlier exports look for them.
        foreach (var value in (ReadOnlySpan<string?>)[r.Instance, r.PolicyPath, r.PolicySha256, r.PolicyInForceSha256])
        {
            row.Append(',');
            AppendText(row, value);
        }
    }

    private static void AppendText(StringBuilder row, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var formula = FormulaStarts.Contains(value[0], StringComparison.Ordinal);
        if (!formula && value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            row.Append(value);
            return;
        }

        // OWASP's advice: a leading quote makes the cell plain text, and the cell is quoted so the quote stays inside it.
        row.Append('"');
        if (formula)
        {
            row.Append('\'');
        }

        row.Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }}
