using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

internal sealed class SlackOptionsValidator : IValidateOptions<SlackOptions>
{
    public ValidateOptionsResult Validate(string? name, SlackOptions options)
    {
        var errors = new List<string>();
        var hasBotToken = !string.IsNullOrWhiteSpace(options.BotToken);
        var hasAppToken = !string.IsNullOrWhiteSpace(options.AppToken);

        if (hasBotToken && string.IsNullOrWhiteSpace(options.Channel))
        {
            errors.Add("Slack:Channel is required when Slack:BotToken is set: give the ID (C…) of the channel that receives approval prompts.");
        }

        if (hasBotToken && !hasAppToken && string.IsNullOrWhiteSpace(options.SigningSecret))
        {
            errors.Add("Slack:SigningSecret is required when Slack:BotToken is set and Slack:AppToken is not: button clicks posted to /slack/interactions cannot be verified without it.");
        }

        if (hasAppToken && !hasBotToken)
        {
            errors.Add("Slack:BotToken is required when Slack:AppToken is set: Socket Mode only receives clicks, the bot token posts the prompts.");
        }

        if (hasAppToken && !options.AppToken!.StartsWith("xapp-", StringComparison.Ordinal))
        {
            errors.Add("Slack:AppToken must be an app-level token starting with 'xapp-' (scope connections:write).");
        }

        if (!IsAbsoluteHttpUrl(options.ApiBaseUrl))
        {
            errors.Add($"Slack:ApiBaseUrl must be an absolute http(s) URL such as https://slack.com/api/; got '{options.ApiBaseUrl}'.");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicBaseUrl) && !IsAbsoluteHttpUrl(options.PublicBaseUrl))
        {
            errors.Add($"Slack:PublicBaseUrl must be an absolute http(s) URL of the gateway's web page; got '{options.PublicBaseUrl}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsAbsoluteHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
