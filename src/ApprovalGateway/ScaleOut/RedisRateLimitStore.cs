using System.Globalization;
using ApprovalGateway.Policy.Evaluation;
using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Rate-limit counters in Redis, so a limit holds across every gateway instance. Windows are fixed and aligned to
/// the clock (a 60 s window runs from one whole minute to the next), one key per rule, scope and window start that
/// expires with its window. Fails closed: while Redis cannot be reached a rate-limited call is refused, with a
/// reason saying so, rather than let through uncounted.
/// </summary>
internal sealed class RedisRateLimitStore(RedisConnection connection, TimeProvider time, ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    /// <summary>How long an agent is told to wait when the counters could not be reached.</summary>
    public const int UnavailableRetrySeconds = 5;

    public const string UnavailableReason = "the shared rate-limit counters (Redis) cannot be reached, so the call is refused uncounted";

    private const string KeyPrefix = "approval-gateway:rl:";

    // INCR and the expiry in one step, so a key never outlives its window even if this instance dies between them.
    private static readonly LuaScript Increment = LuaScript.Prepare(
        "local n = redis.call('INCR', @key) if n == 1 then redis.call('PEXPIRE', @key, @ttl) end return n");

    public RateLimitResult Acquire(string rule, string scope, int max, int windowSeconds)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var length = windowSeconds * 1000L;
        var start = now - (now % length);
        var key = string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}{rule}:{scope}:{start / 1000}");
        long count;
        try
        {
            var multiplexer = connection.GetAsync().GetAwaiter().GetResult();
            if (!multiplexer.IsConnected)
            {
                return Unavailable(rule, null);
            }

            count = (long)multiplexer.GetDatabase().ScriptEvaluate(Increment, new { key = (RedisKey)key, ttl = length });
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Unavailable(rule, e);
        }

        if (count <= max)
        {
            return RateLimitResult.Granted;
        }

        var remaining = start + length - now;
        return RateLimitResult.Limited(Math.Max(1, (int)Math.Ceiling(remaining / 1000d)));
    }

    private RateLimitResult Unavailable(string rule, Exception? exception)
    {
        Log.RateLimitStoreUnavailable(logger, exception, rule);
        return new RateLimitResult(false, UnavailableRetrySeconds, UnavailableReason);
    }
}
