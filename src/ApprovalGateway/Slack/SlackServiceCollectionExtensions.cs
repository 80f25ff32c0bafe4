using ApprovalGateway.Approvals;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

internal static class SlackServiceCollectionExtensions
{
    private static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Slack prompts and clicks: options (<c>Slack</c> section), the Web API client, the observer that queues prompt jobs,
    /// the click handler shared by <c>/slack/interactions</c> and Socket Mode. Needs Hangfire's <see cref="JobStorage"/>
    /// and <see cref="IBackgroundJobClient"/>, and <see cref="IApprovalDecisions"/>, registered elsewhere.
    /// </summary>
    public static IServiceCollection AddGatewaySlack(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SlackOptions>().Bind(configuration.GetSection(SlackOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SlackOptions>, SlackOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient<SlackApiClient>((sp, http) =>
        {
            var baseUrl = sp.GetRequiredService<IOptions<SlackOptions>>().Value.ApiBaseUrl;
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            http.Timeout = HttpTimeout;
        });

        services.TryAddSingleton<ApprovalMessageBuilder>();
        services.TryAddSingleton<SlackSignatureVerifier>();
        services.TryAddSingleton<SlackMessageStore>();
        services.TryAddSingleton<RecentSlackClicks>();
        services.TryAddTransient<SlackInteractionHandler>();
        services.TryAddTransient(sp => new SlackPromptJobs(
            sp.GetRequiredService<SlackApiClient>(),
            sp.GetRequiredService<ApprovalMessageBuilder>(),
            sp.GetRequiredService<SlackMessageStore>(),
            sp.GetRequiredService<IApprovalDecisions>(),
            sp.GetRequiredService<IOptions<SlackOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SlackPromptJobs>>()));
        services.TryAddSingleton<SlackApprovalObserver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IApprovalObserver, SlackApprovalObserver>(sp => sp.GetRequiredService<SlackApprovalObserver>()));

        services.AddHostedService<SlackStartupReporter>();
        services.AddHostedService<SlackSocketModeService>();
        services.TryAddSingleton<SlackShutdownUpdates>();
        services.AddHostedService(sp => sp.GetRequiredService<SlackShutdownUpdates>());
        return services;
    }
}
