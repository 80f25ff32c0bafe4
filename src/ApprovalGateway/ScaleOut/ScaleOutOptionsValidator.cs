using Microsoft.Extensions.Options;

namespace ApprovalGateway.ScaleOut;

internal sealed class ScaleOutOptionsValidator : IValidateOptions<ScaleOutOptions>
{
    public ValidateOptionsResult Validate(string? name, ScaleOutOptions options)
    {
        List<string> errors = [];
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(100) || options.HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"ScaleOut:HeartbeatInterval must be between 00:00:00.1 and 00:05:00 (was {options.HeartbeatInterval}).");
        }

        if (options.InstanceTimeout < options.HeartbeatInterval * 3)
        {
            errors.Add($"ScaleOut:InstanceTimeout must be at least three heartbeat intervals ({options.HeartbeatInterval * 3}, was {options.InstanceTimeout}); a shorter one withdraws the calls of instances that are merely slow.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
