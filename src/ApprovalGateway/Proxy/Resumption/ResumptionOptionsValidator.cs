using ApprovalGateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy.Resumption;

internal sealed class ResumptionOptionsValidator(IOptions<GatewayOptions> gateway) : IValidateOptions<ResumptionOptions>
{
    public const long MinBufferedBytes = 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, ResumptionOptions options)
    {
        var errors = new List<string>();
        var idle = gateway.Value.SessionIdleTimeout;
        if (options.Window < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{ResumptionOptions.Section}:Window must be at least 00:00:01, not {options.Window}.");
        }
        else if (options.Enabled && options.Window > idle && idle >= TimeSpan.FromSeconds(1))
        {
            // Off, the window is not used; under a second, the idle timeout's own message says what is wrong.
            // An agent away that long has lost its session anyway, and with it every request it could resume.
            errors.Add($"{ResumptionOptions.Section}:Window ({options.Window}) must not be longer than Gateway:SessionIdleTimeout ({idle}).");
        }

        if (options.MaxBufferedBytes < MinBufferedBytes)
        {
            errors.Add($"{ResumptionOptions.Section}:MaxBufferedBytes must be at least {MinBufferedBytes} (1 MiB), not {options.MaxBufferedBytes}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
