namespace ApprovalGateway.ScaleOut;

/// <summary>
/// The <c>Redis</c> section. When set, approval wake-ups travel over Redis pub/sub and SignalR pushes over the
/// Redis backplane, so every gateway instance behind a load balancer sees every change at once.
/// </summary>
internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>redis.internal:6379,password=...</c>.</summary>
    public string? ConnectionString { get; set; }
}
