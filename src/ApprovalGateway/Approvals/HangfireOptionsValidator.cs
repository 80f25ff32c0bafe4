using ApprovalGateway.ScaleOut;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

internal sealed class HangfireOptionsValidator : IValidateOptions<HangfireOptions>
{
    public ValidateOptionsResult Validate(string? name, HangfireOptions options)
    {
        List<string> errors = [];
        if (!Enum.IsDefined(options.Storage))
        {
            errors.Add($"Hangfire:Storage '{options.Storage}' is unknown; use InMemory or PostgreSql.");
        }

        if (options.Storage == HangfireStorageKind.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("Hangfire:ConnectionString must be set when Hangfire:Storage is PostgreSql (e.g. Host=db;Database=gateway;Username=gateway;Password=...).");
        }

        if (options.Storage == HangfireStorageKind.PostgreSql
            && PostgreSqlConnectionString.Problem($"{HangfireOptions.Section}:{nameof(HangfireOptions.ConnectionString)}", options.ConnectionString) is { } problem)
        {
            errors.Add(problem);
        }

        if (options.SchedulePollingInterval < TimeSpan.FromMilliseconds(100) || options.SchedulePollingInterval > TimeSpan.FromSeconds(15))
        {
            errors.Add($"Hangfire:SchedulePollingInterval must be between 00:00:00.1 and 00:00:15 (was {options.SchedulePollingInterval}); approvals expire at most this late.");
        }

        if (options.WorkerCount is < 1 or > 64)
        {
            errors.Add($"Hangfire:WorkerCount must be between 1 and 64 (was {options.WorkerCount}).");
        }

        if (options.CrashRecoveryTimeout < TimeSpan.FromSeconds(15) || options.CrashRecoveryTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"Hangfire:CrashRecoveryTimeout must be between 00:00:15 and 01:00:00 (was {options.CrashRecoveryTimeout}); a live instance's locks, held for up to a Slack call (10 s), must not lapse.");
        }

        if (string.IsNullOrWhiteSpace(options.ServerName))
        {
            errors.Add("Hangfire:ServerName must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
