using ApprovalGateway.Agents;
using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Slack;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Policy;

internal static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the policy store (loaded at startup, hot-reloaded), the in-process rate limiter as the
    /// <see cref="IRateLimitStore"/> unless scale-out registered a shared one, and <see cref="PolicyEngine"/>.
    /// </summary>
    public static IServiceCollection AddGatewayPolicy(this IServiceCollection services, IConfiguration configuration, bool stdio = false)
    {
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RateLimiter(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRateLimitStore>(sp => sp.GetRequiredService<RateLimiter>());
        services.TryAddSingleton(sp => new PolicyReferenceCheck(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            sp.GetRequiredService<IOptions<ApproverOptions>>().Value,
            stdio,
            sp.GetRequiredService<IOptions<SlackOptions>>().Value.IsEnabled));
        services.AddGatewayMeter();
        services.TryAddSingleton<PolicyStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthSignal, PolicyStore>(sp => sp.GetRequiredService<PolicyStore>()));
        services.TryAddSingleton<PolicyEngine>();
        services.AddHostedService<PolicyStartup>();
        return services;
    }
}
