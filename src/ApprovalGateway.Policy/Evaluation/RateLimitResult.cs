namespace ApprovalGateway.Policy.Evaluation;

/// <summary>
/// One answer of an <see cref="IRateLimitStore"/>. A refusal carries the whole seconds (at least 1) to wait and,
/// when the store could not count at all, its own reason in place of the rule's "limit exceeded" text.
/// </summary>
public readonly record struct RateLimitResult(bool Allowed, int RetryAfterSeconds = 0, string? Reason = null)
{
    public static RateLimitResult Granted => new(true);

    public static RateLimitResult Limited(int retryAfterSeconds) => new(false, retryAfterSeconds);
}
