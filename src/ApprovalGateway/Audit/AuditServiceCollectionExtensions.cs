using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Audit;

internal static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured sink (the file by default, or PostgreSQL) as <see cref="IAuditLog"/>,
    /// <see cref="IAuditQuery"/> and <see cref="IHealthSignal"/>, opened at startup.
    /// </summary>
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            var contentRoot = sp.GetRequiredService<IHostEnvironment>().ContentRootPath;
            var path = options.Path is { } configured
                ? Path.GetFullPath(configured, contentRoot)
                : GatewayDataPath.Resolve(configuration, contentRoot, Path.Combine("audit", "audit.jsonl"));
            return new FileAuditLog(
                path, options.RecentCapacity, sp.GetRequiredService<ILogger<FileAuditLog>>(), options.WaitsForDisk, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            return new PostgreSqlAuditLog(
                options.ConnectionString!, options.InstanceName, sp.GetRequiredService<ILogger<PostgreSqlAuditLog>>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<IAuditLog>(sp => new ObservedAuditLog(Sink(sp), sp.GetServices<IAuditObserver>()));
        services.AddSingleton<IAuditQuery>(sp => (IAuditQuery)Sink(sp));

        // While the sink refuses records the gateway refuses every call that needs one, which a load balancer should know.
        services.AddSingleton<IHealthSignal>(sp => (IHealthSignal)Sink(sp));
        services.AddGatewayMeter();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RefusalAudit>();
        services.AddHostedService<AuditStartup>();
        return services;
    }

    private static IAuditLog Sink(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<AuditOptions>>().Value.UsesPostgreSql
            ? sp.GetRequiredService<PostgreSqlAuditLog>()
            : sp.GetRequiredService<FileAuditLog>();
}
