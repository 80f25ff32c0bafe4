using System.Collections.Concurrent;

namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// Fixed-window call counters keyed by rule name and scope key (session id, agent or global). It outlives
/// compiled policies so a reload keeps the counts; windows that have ended are swept out as calls arrive,
/// so memory stays bounded by the callers active within the longest window. The default <see cref="IRateLimitStore"/>.
/// </summary>
public sealed class RateLimiter(TimeProvider time) : IRateLimitStore
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(string Rule, string Scope), RateWindow> _windows = new();
    private long _lastSweep = time.GetTimestamp();

    /// <summary>Counters currently held (for tests and diagnostics).</summary>
    public int Count => _windows.Count;

    public RateLimitResult Acquire(string rule, string scope, int max, int windowSeconds) =>
        TryAcquire(rule, scope, max, windowSeconds, out var retryAfter) ? RateLimitResult.Granted : RateLimitResult.Limited(retryAfter);

    public ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds) =>
        new(Acquire(rule, scope, max, windowSeconds));

    /// <summary>
    /// Counts one call; false when <paramref name="max"/> calls already happened in the current window, with the
    /// whole seconds (at least 1) until it ends.
    /// </summary>
    public bool TryAcquire(string rule, string scope, int max, int windowSeconds, out int retryAfterSeconds)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        var length = (long)(windowSeconds * (double)time.TimestampFrequency);
        while (true)
        {
            var window = _windows.GetOrAdd((rule, scope), static (_, start) => new RateWindow(start), now);
            lock (window)
            {
                if (window.Evicted)
                {
                    continue;
                }

                if (now - window.Start >= length)
                {
                    window.Start = now;
                    window.Count = 0;
                }

                window.Length = length;
                if (window.Count < max)
                {
                    window.Count++;
                    retryAfterSeconds = 0;
                    return true;
                }

                var remaining = window.Start + length - now;
                retryAfterSeconds = Math.Max(1, (int)Math.Ceiling(remaining / (double)time.TimestampFrequency));
                return false;
            }
        }
    }

    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (time.GetElapsedTime(last, now) < SweepInterval || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, window) in _windows)
        {
            lock (window)
            {
                if (now - window.Start >= window.Length)
                {
                    window.Evicted = true;
                    _windows.TryRemove(new KeyValuePair<(string, string), RateWindow>(key, window));
                }
            }
        }
    }

    private sealed class RateWindow(long start)
    {
        public long Start { get; set; } = start;

        public long Length { get; set; }

        public int Count { get; set; }

        public bool Evicted { get; set; }
    }
}
