using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Audit;

internal static class AuditServiceCollectionExtensions
{
    public const string DataPathKey = "Gateway:DataPath";

    /// <summary>Registers the configured sink (the file by default, or PostgreSQL) as <see cref="IAuditLog"/> and <see cref="IAuditQuery"/>, opened at startup.</summary>
    public static IServiceCollection AddGatewayAudit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AuditOptions>>().Value;
            var path = ResolvePath(options, configuration[DataPathKey], sp.GetRequiredService<IHostEnvironment>().ContentRootPath);
            return new FileAuditLog(path, options.RecentCapacity, sp.GetRequiredService<ILogger<FileAuditLog>>(), options.WaitsForDisk);
        });
        services.AddSingleton(sp => new PostgreSqlAuditLog(
            sp.GetRequiredService<IOptions<AuditOptions>>().Value.ConnectionString!,
            sp.GetRequiredService<ILogger<PostgreSqlAuditLog>>()));
        services.AddSingleton<IAuditLog>(Sink);
        services.AddSingleton<IAuditQuery>(sp => (IAuditQuery)Sink(sp));
        services.AddHostedService<AuditStartup>();
        return services;
    }

    private static IAuditLog Sink(IServiceProvider sp) =>
        sp.GetRequiredService<IOptions<AuditOptions>>().Value.UsesPostgreSql
            ? sp.GetRequiredService<PostgreSqlAuditLog>()
            : sp.GetRequiredService<FileAuditLog>();

    /// <summary><c>Gateway:Audit:Path</c>, else <c>{Gateway:DataPath or "data"}/audit/audit.jsonl</c>, relative to the content root.</summary>
    public static string ResolvePath(AuditOptions options, string? dataPath, string contentRoot)
    {
        var path = options.Path ?? Path.Combine(string.IsNullOrWhiteSpace(dataPath) ? "data" : dataPath, "audit", "audit.jsonl");
        return Path.GetFullPath(path, contentRoot);
    }
}
