using Microsoft.Extensions.Options;

namespace ApprovalGateway.Metrics;

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    /// <summary>A token short enough to guess is no protection for a page an address can ask for again and again.</summary>
    public const int MinTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = new List<string>();
        if (!options.Path.StartsWith('/') || options.Path.Length < 2)
        {
            errors.Add($"{MetricsOptions.Section}:{nameof(MetricsOptions.Path)} is '{options.Path}'; give a path such as /metrics.");
        }

        if (options.Token is { } token && token.Trim().Length < MinTokenLength)
        {
            errors.Add($"{MetricsOptions.Section}:{nameof(MetricsOptions.Token)} has {token.Trim().Length} characters; use at least {MinTokenLength} (for example `openssl rand -hex 24`), or leave it out to allow loopback scrapers only.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
