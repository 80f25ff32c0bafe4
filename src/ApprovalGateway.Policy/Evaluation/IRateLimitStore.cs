namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// Where rate-limit counters live. <see cref="RateLimiter"/> keeps them in this process; a host running several
/// instances can put them in a shared store so a limit holds across all of them. Called synchronously on every
/// rate-limited call, so an implementation must answer quickly and must refuse, never allow, when it cannot count.
/// </summary>
public interface IRateLimitStore
{
    /// <summary>Counts one call of <paramref name="rule"/> for <paramref name="scope"/> against at most <paramref name="max"/> per window.</summary>
    RateLimitResult Acquire(string rule, string scope, int max, int windowSeconds);
}
