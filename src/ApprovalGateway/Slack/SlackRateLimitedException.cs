namespace ApprovalGateway.Slack;

/// <summary>Slack answered HTTP 429; try again after <see cref="RetryAfter"/>.</summary>
internal sealed class SlackRateLimitedException(string method, TimeSpan retryAfter)
    : Exception($"Slack {method} is rate limited; retry after {retryAfter.TotalSeconds:0} s")
{
    public string Method { get; } = method;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
