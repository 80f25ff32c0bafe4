using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var path = options.ResolvedAssetsPath;
        return File.Exists(Path.Combine(path, WebAssets.PageFile))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{WebOptions.Section}:{nameof(WebOptions.AssetsPath)}: '{path}' has no {WebAssets.PageFile}; " +
                "leave it empty to use the wwwroot built next to the gateway, or name the folder holding the page.");
    }
}
