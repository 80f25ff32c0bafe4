using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var errors = new List<string>();
        var path = options.ResolvedAssetsPath;
        if (!File.Exists(Path.Combine(path, WebAssets.PageFile)))
        {
            errors.Add(
                $"{WebOptions.Section}:{nameof(WebOptions.AssetsPath)}: '{path}' has no {WebAssets.PageFile}; " +
                "leave it empty to use the wwwroot built next to the gateway, or name the folder holding the page.");
        }

        if (options.MaxFailedSignInsPerName < 1)
        {
            errors.Add($"{WebOptions.Section}:{nameof(WebOptions.MaxFailedSignInsPerName)} is {options.MaxFailedSignInsPerName}; allow at least 1 failed sign-in per name (default 5).");
        }

        if (options.MaxFailedSignInsPerAddress < 1)
        {
            errors.Add($"{WebOptions.Section}:{nameof(WebOptions.MaxFailedSignInsPerAddress)} is {options.MaxFailedSignInsPerAddress}; allow at least 1 failed sign-in per address (default 20).");
        }

        if (options.FailedSignInWindow <= TimeSpan.Zero)
        {
            errors.Add($"{WebOptions.Section}:{nameof(WebOptions.FailedSignInWindow)} is {options.FailedSignInWindow}; give a positive time span such as 00:15:00.");
        }

        if (options.SignInLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{WebOptions.Section}:{nameof(WebOptions.SignInLifetime)} is {options.SignInLifetime}; give a positive time span such as 12:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
