using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy.Tasks;

internal sealed class TaskOptionsValidator : IValidateOptions<TaskOptions>
{
    public ValidateOptionsResult Validate(string? name, TaskOptions options)
    {
        var errors = new List<string>();
        if (options.DefaultTtl <= TimeSpan.Zero)
        {
            errors.Add($"{TaskOptions.Section}:DefaultTtl must be positive, not {options.DefaultTtl}.");
        }

        if (options.MaxTtl < options.DefaultTtl)
        {
            errors.Add($"{TaskOptions.Section}:MaxTtl ({options.MaxTtl}) must be at least {TaskOptions.Section}:DefaultTtl ({options.DefaultTtl}).");
        }

        if (options.PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{TaskOptions.Section}:PollInterval must be positive, not {options.PollInterval}.");
        }

        if (options.MaxActivePerAgent < 1)
        {
            errors.Add($"{TaskOptions.Section}:MaxActivePerAgent must be at least 1, not {options.MaxActivePerAgent}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
