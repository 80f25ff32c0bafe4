using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>Says once at startup whether approvals reach Slack, and how clicks come back.</summary>
internal sealed class SlackStartupReporter(IOptions<SlackOptions> options, ILogger<SlackStartupReporter> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var slack = options.Value;
        if (!slack.IsEnabled)
        {
            Log.SlackNotConfigured(logger);
        }
        else
        {
            Log.SlackConfigured(logger, slack.Channel!, slack.UsesSocketMode ? "Socket Mode" : $"POST {SlackInteractionEndpoints.Path}");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
