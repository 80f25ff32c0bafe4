using System.Collections.Concurrent;

namespace ApprovalGateway.Slack;

/// <summary>
/// Remembers clicks for a few minutes so a delivery Slack repeats (it retries when the ack is slow) is dropped
/// before it reaches the decision service; the service's compare-and-set stays the real guard.
/// </summary>
internal sealed class RecentSlackClicks(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private const int PruneAbove = 512;

    private readonly ConcurrentDictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="key"/> is seen within the window.</summary>
    public bool TryRecord(string key)
    {
        var now = time.GetUtcNow();
        if (seen.Count > PruneAbove)
        {
            foreach (var (oldKey, at) in seen)
            {
                if (now - at > Window)
                {
                    seen.TryRemove(oldKey, out _);
                }
            }
        }

        if (seen.TryAdd(key, now))
        {
            return true;
        }

        return seen.TryGetValue(key, out var previous) && now - previous > Window && seen.TryUpdate(key, now, previous);
    }
}
