using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// A Redis connection string the client cannot use is a settings mistake, said at start-up: otherwise it surfaced
/// 10 s later as a failed background service and exit code 1, which a service manager restarts forever.
/// The value is not quoted back, since it may hold a password.
/// </summary>
internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Success;
        }

        string problem;
        try
        {
            var parsed = ConfigurationOptions.Parse(options.ConnectionString);
            if (parsed.EndPoints.Count > 0)
            {
                return ValidateOptionsResult.Success;
            }

            problem = "it names no server";
        }
        catch (Exception ex) when (ex is ArgumentException or RedisException or FormatException)
        {
            problem = ex.Message;
        }

        return ValidateOptionsResult.Fail(
            $"Redis:ConnectionString is not a StackExchange.Redis configuration string ({problem}); give host:port, e.g. redis.internal:6379,password=...");
    }
}
