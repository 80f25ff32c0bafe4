namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// Where rate-limit counters live. <see cref="RateLimiter"/> keeps them in this process; a host running several
/// instances can put them in a shared store so a limit holds across all of them. Awaited on every rate-limited
/// call, so a store across the network holds no thread while it counts; it must refuse, never allow, when it
/// cannot count.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one call of <paramref name="rule"/> for <paramref name="scope"/> against at most <paramref name="max"/> per window.</summary>
    ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds);
}
