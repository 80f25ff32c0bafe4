using System.Globalization;
using System.Text;

namespace ApprovalGateway.LatencyRunner;

/// <summary>The Markdown the runner prints: sections of tables and notes, written as they finish.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public override string ToString() => _text.ToString();

    public void Heading(string title) => Line($"\n## {title}\n");

    public void Line(string line)
    {
        _text.AppendLine(line);
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }

    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line("| " + string.Join(" | ", headers) + " |");
        Line("|" + string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|")));
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row) + " |");
        }

        Line("");
    }

    public static string Ms(double value) => double.IsNaN(value) ? "n/a" : value.ToString(Math.Abs(value) < 10 ? "0.000" : "0.0", CultureInfo.InvariantCulture);

    public static string Num(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Verdict(bool met) => met ? "met" : "**missed**";
}
