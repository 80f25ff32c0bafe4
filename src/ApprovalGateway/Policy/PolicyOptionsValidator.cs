using Microsoft.Extensions.Options;

namespace ApprovalGateway.Policy;

internal sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{PolicyOptions.Section}:Path must name the policy file (default policies/policy.json).");
        }

        if (options.ReloadDebounce < TimeSpan.Zero || options.ReloadDebounce > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{PolicyOptions.Section}:ReloadDebounce must be between 00:00:00 and 00:00:01 so edits apply within a second.");
        }

        if (options.PollInterval != TimeSpan.Zero && (options.PollInterval < TimeSpan.FromMilliseconds(100) || options.PollInterval > TimeSpan.FromMinutes(10)))
        {
            failures.Add($"{PolicyOptions.Section}:PollInterval must be between 00:00:00.100 and 00:10:00, or 00:00:00 to turn the poll off.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
