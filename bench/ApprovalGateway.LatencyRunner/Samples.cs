using System.Diagnostics;

namespace ApprovalGateway.LatencyRunner;

/// <summary>Durations in milliseconds, with the nearest-rank percentiles a table reports.</summary>
internal sealed class Samples
{
    private readonly List<double> _values = [];

    public int Count => _values.Count;

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public void AddElapsed(long startTimestamp, long endTimestamp) =>
        _values.Add(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).TotalMilliseconds);

    public void AddRange(Samples other) => _values.AddRange(other._values);

    public double Mean => _values.Count == 0 ? double.NaN : _values.Average();

    public double P50 => Percentile(50);

    public double P99 => Percentile(99);

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    public double Percentile(double p)
    {
        if (_values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
