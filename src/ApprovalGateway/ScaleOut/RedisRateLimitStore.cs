using System.Globalization;
using ApprovalGateway.Policy.Evaluation;
using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Rate-limit counters in Redis, so a limit holds across every gateway instance. Same windows as in one process:
/// fixed, starting at the first call, one key per rule, scope and window length that expires when its window ends;
/// only Redis's clock counts, so instances whose clocks disagree still share one window. Fails closed: while Redis
/// cannot be reached a rate-limited call is refused, saying why, rather than let through uncounted.
/// </summary>
internal sealed class RedisRateLimitStore(RedisConnection connection, ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    /// <summary>How long an agent is told to wait when the counters could not be reached.</summary>
    public const int UnavailableRetrySeconds = 5;

    public const string UnavailableReason = "shared counters (Redis) unreachable, call refused uncounted";

    public const string KeyPrefix = "approval-gateway:rl:";

    // Count, start the window on the first call, and read what is left of it, all in one step: a key can never be
    // left without an expiry by an instance dying in between.
    private static readonly LuaScript Increment = LuaScript.Prepare(
        """
        local n = redis.call('INCR', @key)
        local left = redis.call('PTTL', @key)
        if n == 1 or left < 0 then
          redis.call('PEXPIRE', @key, @window)
          left = tonumber(@window)
        end
        return { n, left }
        """);

    public async ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}{rule}:{scope}:{windowSeconds}");
        RedisResult[] answer;
        try
        {
            var multiplexer = await connection.GetAsync();
            if (!multiplexer.IsConnected)
            {
                return Unavailable(rule, null);
            }

            answer = (RedisResult[])(await multiplexer.GetDatabase().ScriptEvaluateAsync(Increment, new { key = (RedisKey)key, window = windowSeconds * 1000L }))!;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Unavailable(rule, e);
        }

        return (long)answer[0] <= max
            ? RateLimitResult.Granted
            : RateLimitResult.Limited(Math.Max(1, (int)Math.Ceiling((long)answer[1] / 1000d)));
    }

    private RateLimitResult Unavailable(string rule, Exception? exception)
    {
        Log.RateLimitStoreUnavailable(logger, exception, "Redis", rule);
        return new RateLimitResult(false, UnavailableRetrySeconds, UnavailableReason);
    }
}
