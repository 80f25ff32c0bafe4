namespace ApprovalGateway.Slack;

/// <summary>The <c>Slack</c> section. Slack is on when <see cref="BotToken"/> and <see cref="Channel"/> are both set.</summary>
internal sealed class SlackOptions
{
    public const string Section = "Slack";

    /// <summary>Bot token (<c>xoxb-…</c>) used for chat.postMessage and chat.update.</summary>
    public string? BotToken { get; set; }

    /// <summary>Signs requests to <c>/slack/interactions</c>; not needed in Socket Mode.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>Default channel ID for prompts; a rule's <c>approval.slackChannel</c> overrides it.</summary>
    public string? Channel { get; set; }

    public string ApiBaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>App-level token (<c>xapp-…</c>); when set, clicks arrive over Socket Mode instead of HTTP.</summary>
    public string? AppToken { get; set; }

    /// <summary>The gateway's web page, linked from prompts whose arguments Slack cannot show in full and named in held calls' progress.</summary>
    public string? PublicBaseUrl { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(BotToken) && !string.IsNullOrWhiteSpace(Channel);

    public bool UsesSocketMode => IsEnabled && !string.IsNullOrWhiteSpace(AppToken);
}
