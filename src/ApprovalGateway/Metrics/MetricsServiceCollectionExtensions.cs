using System.Security.Cryptography;
using System.Text;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OpenTelemetry.Metrics;

namespace ApprovalGateway.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Meters besides the gateway's own that operators ask for first: HTTP requests and connections, calls to
    /// HTTP upstreams, and the runtime (GC, thread pool).
    /// </summary>
    private static readonly string[] PlatformMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime"];

    /// <summary>
    /// <see cref="GatewayMetrics"/> always (instruments nobody listens to cost next to nothing), and when
    /// <c>Gateway:Metrics:Enabled</c> is on, OpenTelemetry with its Prometheus exporter.
    /// </summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddGatewayMeter();
        // Read as text, not bound: this runs before SettingsCheck, and the binder would throw its own wording for a
        // value that does not parse, where SettingsCheck names the setting in one line (exit 78).
        if (!(bool.TryParse(configuration[$"{MetricsOptions.Section}:{nameof(MetricsOptions.Enabled)}"], out var enabled) && !enabled))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter([GatewayMetrics.MeterName, .. PlatformMeters])
                // A scrape shows the counts as they are; the exporter's default would serve a copy up to 300 ms old.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        }

        return services;
    }

    /// <summary>The gateway's instruments, for every feature that records on them, whether or not anything exports them.</summary>
    public static IServiceCollection AddGatewayMeter(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GatewayMetrics>();
        return services;
    }

    /// <summary>The scrape endpoint, for loopback callers or callers with <c>Gateway:Metrics:Token</c>.</summary>
    public static IEndpointRouteBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return endpoints;
        }

        var expected = options.Token is { } token ? SHA256.HashData(Encoding.UTF8.GetBytes(token.Trim())) : null;
        endpoints.MapPrometheusScrapingEndpoint(
            options.Path,
            meterProvider: null,
            configureBranchedPipeline: branch => branch.Use((context, next) =>
            {
                if (MayScrape(context, expected))
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return context.Response.WriteAsync(expected is null
                    ? "Metrics are served to loopback callers only; set Gateway:Metrics:Token to let a remote scraper in.\n"
                    : "Send the metrics token as 'Authorization: Bearer <token>'.\n");
            }),
            optionsName: null);
        return endpoints;
    }

    private static bool MayScrape(HttpContext context, byte[]? expected)
    {
        if (expected is null)
        {
            return LoopbackHandler.IsLoopback(context);
        }

        var header = context.Request.Headers[HeaderNames.Authorization].ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashing first makes the comparison take the same time whatever the length of the guess.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
