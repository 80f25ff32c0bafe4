using System.Globalization;
using System.Text;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Audit;

/// <summary>CSV export (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF).</summary>
internal static class AuditCsv
{
    public const string Header =
        "time,agent,session_id,upstream,tool,decision,rule,outcome,reason,approval_id,decided_by,risk_class," +
        "arguments_sha256,arguments,policy_ms,wait_ms,upstream_ms,total_ms";

    public static async Task WriteAsync(TextWriter writer, IEnumerable<AuditRecord> records, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(Header + "\r\n");
        var row = new StringBuilder();
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            row.Clear();
            AppendRow(row, record);
            await writer.WriteAsync(row.Append("\r\n"), cancellationToken);
        }
    }

    private static void AppendRow(StringBuilder row, AuditRecord r)
    {
        string?[] fields =
        [
            r.Time.ToString("O", CultureInfo.InvariantCulture), r.Agent, r.SessionId, r.Upstream, r.Tool, r.Decision, r.Rule,
            r.Outcome, r.Reason, r.ApprovalId, string.Join(';', r.DecidedBy), r.RiskClass, r.ArgumentsSha256,
            r.Arguments is null ? null : CanonicalJson.Serialize(r.Arguments), Number(r.PolicyMilliseconds),
            Number(r.WaitMilliseconds), Number(r.UpstreamMilliseconds), Number(r.TotalMilliseconds),
        ];
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                row.Append(',');
            }

            AppendField(row, fields[i]);
        }
    }

    private static void AppendField(StringBuilder row, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            row.Append(value);
            return;
        }

        row.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
