using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Hosting;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Web.Auth;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

internal static class ScaleOutServiceCollectionExtensions
{
    /// <summary>
    /// Several gateway instances over shared state. With <c>Redis:ConnectionString</c>, approval wake-ups go over Redis
    /// pub/sub, SignalR over the Redis backplane and rate-limit counters into Redis; with <c>Hangfire:Storage</c> =
    /// PostgreSql and no Redis, wake-ups go over LISTEN/NOTIFY, pages hear of other instances' approvals from those
    /// signals, and rate-limit counters go into PostgreSQL. Either way sign-outs go over the same channel, so an
    /// approver's pages close on every instance. On PostgreSQL, survivors also withdraw the held calls of an
    /// instance that stops beating (<c>ScaleOut:HeartbeatInterval</c>, <c>ScaleOut:InstanceTimeout</c>) and write the
    /// outcome records it could not, each exactly once, warn when instances have different policies in force, and the
    /// data protection key ring moves into the shared database. With neither (the default) nothing changes. Read when
    /// services are registered, since the SignalR backplane cannot be chosen later.
    /// </summary>
    public static IServiceCollection AddGatewayScaleOut(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        var redis = configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.ConnectionString)}"];
        var postgres = string.Equals(
            configuration[$"{HangfireOptions.Section}:{nameof(HangfireOptions.Storage)}"],
            nameof(HangfireStorageKind.PostgreSql),
            StringComparison.OrdinalIgnoreCase);

        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.TryAddSingleton<RedisConnection>();
            services.AddSingleton<IHealthSignal>(sp => sp.GetRequiredService<RedisConnection>());
            services.AddSingleton<IApprovalSignalTransport, RedisSignalTransport>();
            services.Replace(ServiceDescriptor.Singleton<IRateLimitStore, RedisRateLimitStore>());
            services.AddSignalR().AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("approval-gateway"));
        }
        else if (postgres)
        {
            services.AddSingleton<IApprovalSignalTransport, PostgreSqlSignalTransport>();

            // No SignalR backplane without Redis: pages learn of other instances' approvals from their signals, and of
            // the audit records they write to the shared table from word on the same channel.
            services.AddHostedService<RemoteChangePageRelay>();
            if (string.Equals(configuration[$"{AuditOptions.Section}:{nameof(AuditOptions.Sink)}"], AuditOptions.PostgreSqlSink, StringComparison.OrdinalIgnoreCase))
            {
                services.AddSingleton<SharedAuditPagePush>();
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditObserver, SharedAuditPagePush>(sp => sp.GetRequiredService<SharedAuditPagePush>()));
                services.AddHostedService(sp => sp.GetRequiredService<SharedAuditPagePush>());
            }

            services.Replace(ServiceDescriptor.Singleton<IRateLimitStore, PostgreSqlRateLimitStore>());
        }
        else
        {
            return services;
        }

        services.AddSingleton<CrossInstanceApprovalSignal>();
        services.AddHostedService(sp => sp.GetRequiredService<CrossInstanceApprovalSignal>());
        services.AddSingleton<CrossInstanceSignOut>();
        services.AddSingleton<ISignOutListener>(sp => sp.GetRequiredService<CrossInstanceSignOut>());
        services.AddHostedService(sp => sp.GetRequiredService<CrossInstanceSignOut>());
        if (!postgres)
        {
            services.Replace(ServiceDescriptor.Singleton<IApprovalSignal>(sp => sp.GetRequiredService<CrossInstanceApprovalSignal>()));
            return services;
        }

        // Sign-ins and anti-forgery tokens from one instance must open on all: the key ring goes into the shared database.
        services.Replace(ServiceDescriptor.Singleton<IXmlRepository, PostgreSqlKeyRepository>());

        // Shared storage: survivors can see, and withdraw, the held calls of an instance that died.
        services.AddOptions<ScaleOutOptions>().BindConfiguration(ScaleOutOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScaleOutOptions>, ScaleOutOptionsValidator>();
        services.AddSingleton<HeldApprovals>();
        services.AddSingleton<PolicyAgreement>();
        services.AddSingleton<IHealthSignal>(sp => sp.GetRequiredService<PolicyAgreement>());
        services.AddSingleton<IPolicyWarnings>(sp => sp.GetRequiredService<PolicyAgreement>());
        services.AddSingleton<OrphanedApprovalReaper>();
        services.AddHostedService(sp => sp.GetRequiredService<OrphanedApprovalReaper>());
        services.AddSingleton<IHealthSignal>(sp => sp.GetRequiredService<OrphanedApprovalReaper>());
        services.Replace(ServiceDescriptor.Singleton<IApprovalOutcomeAudit, SharedApprovalOutcomeAudit>());
        services.Replace(ServiceDescriptor.Singleton<IApprovalSignal>(sp =>
            new HoldTrackingApprovalSignal(sp.GetRequiredService<CrossInstanceApprovalSignal>(), sp.GetRequiredService<HeldApprovals>())));
        return services;
    }
}
