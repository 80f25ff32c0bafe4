using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace ApprovalGateway.Tests.Metrics;

/// <summary>One scrape of the gateway's Prometheus endpoint, read as a scraper reads the text format.</summary>
internal sealed partial class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> samples;

    private PrometheusScrape(List<(string, Dictionary<string, string>, double)> samples) => this.samples = samples;

    public static async Task<PrometheusScrape> GetAsync(Uri gateway, string? bearer = null)
    {
        using var http = new HttpClient { BaseAddress = gateway };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var parsed = new List<(string, Dictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: {line}");
            var labels = match.Groups["labels"].Captures
                .Select((_, i) => (match.Groups["key"].Captures[i].Value, match.Groups["val"].Captures[i].Value))
                .ToDictionary(l => l.Item1, l => l.Item2, StringComparer.Ordinal);
            parsed.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return new PrometheusScrape(parsed);
    }

    /// <summary>The sum of every series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    public bool Has(string name) => samples.Any(s => s.Name == name);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?<labels>(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<val>(?:[^"\\]|\\.)*)"),?)*\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex SampleLine();
}
