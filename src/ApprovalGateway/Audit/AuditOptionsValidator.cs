using ApprovalGateway.ScaleOut;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Audit;

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new List<string>();
        if (!options.UsesPostgreSql && !string.Equals(options.Sink, AuditOptions.FileSink, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{AuditOptions.Section}:Sink is '{options.Sink}'; it must be '{AuditOptions.FileSink}' or '{AuditOptions.PostgreSqlSink}'.");
        }

        if (options.UsesPostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add($"{AuditOptions.Section}:ConnectionString is missing; the '{AuditOptions.PostgreSqlSink}' sink needs the database to write the audit log to.");
        }

        if (options.UsesPostgreSql && PostgreSqlConnectionString.Problem($"{AuditOptions.Section}:ConnectionString", options.ConnectionString) is { } problem)
        {
            errors.Add(problem);
        }

        if (!string.Equals(options.Durability, AuditOptions.DiskDurability, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Durability, AuditOptions.OsDurability, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{AuditOptions.Section}:Durability is '{options.Durability}'; it must be '{AuditOptions.DiskDurability}' (answer once the record is on disk) or '{AuditOptions.OsDurability}' (answer once the operating system has it).");
        }

        if (options.Path is not null && string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"{AuditOptions.Section}:Path is blank; remove it to use the default under Gateway:DataPath, or give a file path.");
        }

        if (options.RecentCapacity is < 1 or > 100_000)
        {
            errors.Add($"{AuditOptions.Section}:RecentCapacity is {options.RecentCapacity}; it must be between 1 and 100000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
