using ApprovalGateway.Slack;

namespace ApprovalGateway.Tests.Slack;

public sealed class SlackOptionsValidatorTests
{
    private readonly SlackOptionsValidator validator = new();

    [Fact]
    public void Validate_Succeeds_WhenNothingConfigured()
    {
        var options = new SlackOptions();

        Assert.True(validator.Validate(null, options).Succeeded);
        Assert.False(options.IsEnabled);
    }

    [Fact]
    public void Validate_NamesChannel_WhenBotTokenWithoutChannel()
    {
        var result = validator.Validate(null, new SlackOptions { BotToken = "xoxb-1", SigningSecret = "s" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Slack:Channel is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NamesSigningSecret_WhenHttpModeWithoutIt()
    {
        var result = validator.Validate(null, new SlackOptions { BotToken = "xoxb-1", Channel = "C1" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Slack:SigningSecret is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Succeeds_WhenSocketModeWithoutSigningSecret()
    {
        var options = new SlackOptions { BotToken = "xoxb-1", Channel = "C1", AppToken = "xapp-1" };

        Assert.True(validator.Validate(null, options).Succeeded);
        Assert.True(options.UsesSocketMode);
    }

    [Theory]
    [InlineData("slack.com/api")]
    [InlineData("ftp://slack.com/api/")]
    public void Validate_NamesApiBaseUrl_WhenNotAbsoluteHttp(string url)
    {
        var result = validator.Validate(null, new SlackOptions { ApiBaseUrl = url });

        Assert.Contains(result.Failures!, f => f.StartsWith("Slack:ApiBaseUrl must be an absolute", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NamesAppToken_WhenItIsABotToken()
    {
        var result = validator.Validate(null, new SlackOptions { BotToken = "xoxb-1", Channel = "C1", AppToken = "xoxb-2" });

        Assert.Contains(result.Failures!, f => f.StartsWith("Slack:AppToken must be an app-level token", StringComparison.Ordinal));
    }
}
