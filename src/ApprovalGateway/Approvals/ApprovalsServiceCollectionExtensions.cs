using ApprovalGateway.Metrics;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Slack;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

internal static class ApprovalsServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire (storage, client, server) and the approval services: <see cref="IApprovalGate"/>,
    /// <see cref="IApprovalDecisions"/>, <see cref="IGrantStore"/>, <see cref="GrantRevocation"/> (which needs the
    /// audit log), <see cref="IApprovalSignal"/>.
    /// </summary>
    public static IServiceCollection AddGatewayApprovals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HangfireOptions>().BindConfiguration(HangfireOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HangfireOptions>, HangfireOptionsValidator>();
        services.AddOptions<ApprovalOptions>()
            .BindConfiguration(ApprovalOptions.Section)
            .PostConfigure(o =>
            {
                // Read here, not injected: the approval services run without the Slack ones (in tests, say).
                var slack = configuration.GetSection(SlackOptions.Section).Get<SlackOptions>() ?? new SlackOptions();
                o.SlackChannel ??= slack.Channel;
                o.SlackEnabled = slack.IsEnabled;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>();
        services.AddGatewayMeter();

        services.TryAddSingleton(TimeProvider.System);

        // Registered before AddHangfire (which only TryAdds JobStorage) so each host owns its storage
        // instead of sharing the process-wide JobStorage.Current.
        services.AddSingleton<JobStorage>(sp => CreateStorage(sp.GetRequiredService<IOptions<HangfireOptions>>().Value));
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, server) =>
        {
            var options = sp.GetRequiredService<IOptions<HangfireOptions>>().Value;
            server.SchedulePollingInterval = options.SchedulePollingInterval;
            server.WorkerCount = options.WorkerCount;
            server.ServerName = options.ServerName;
        });

        services.TryAddSingleton<IApprovalSignal, InProcessApprovalSignal>();
        services.TryAddSingleton<IGrantStore, HangfireGrantStore>();
        services.TryAddSingleton<IGrantLimits, HeldRuleGrantLimits>();
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<HeldCallLimit>();
        services.TryAddSingleton(_ => new ApprovalPageAddress(
            configuration.GetSection(SlackOptions.Section).Get<SlackOptions>()?.PublicBaseUrl));
        services.AddSingleton<IApprovalGate, ApprovalGate>();
        services.AddSingleton<IApprovalDecisions, ApprovalDecisions>();
        services.TryAddSingleton<IApprovalOutcomeAudit, DirectApprovalOutcomeAudit>();
        services.AddSingleton<GrantRevocation>();
        services.AddTransient<ApprovalExpiryJob>();
        return services;
    }

    private static JobStorage CreateStorage(HangfireOptions options) => options.Storage switch
    {
        // Guid ids: InMemory restarts its counter with the process, and a stale Slack button must never
        // decide a new approval that happens to reuse an old number.
        HangfireStorageKind.InMemory => new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid }),
        HangfireStorageKind.PostgreSql => PostgreSqlJobStorage.Create(options),
        _ => throw new NotSupportedException($"Hangfire:Storage '{options.Storage}' is not supported; use InMemory or PostgreSql."),
    };
}
