using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

internal sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        List<string> errors = [];
        if (options.ProgressInterval < TimeSpan.FromSeconds(1) || options.ProgressInterval > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Approvals:ProgressInterval must be between 00:00:01 and 00:05:00 (was {options.ProgressInterval}).");
        }

        if (options.LockTimeout <= TimeSpan.Zero || options.LockTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Approvals:LockTimeout must be positive and at most 00:01:00 (was {options.LockTimeout}).");
        }

        if (options.RecentCount is < 1 or > 10_000)
        {
            errors.Add($"Approvals:RecentCount must be between 1 and 10000 (was {options.RecentCount}).");
        }

        if (options.MaxPendingPerAgent < 1)
        {
            errors.Add($"Approvals:MaxPendingPerAgent must be at least 1 (was {options.MaxPendingPerAgent}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
