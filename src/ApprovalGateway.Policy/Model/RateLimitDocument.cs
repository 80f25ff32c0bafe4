namespace ApprovalGateway.Policy.Model;

/// <summary>A <c>rate_limit</c> block: at most <paramref name="Max"/> calls per <paramref name="WindowSeconds"/>.</summary>
public sealed record RateLimitDocument(int Max, int WindowSeconds, RateLimitScope Per = RateLimitScope.Session);
