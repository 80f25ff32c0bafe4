using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

internal static class WebServiceCollectionExtensions
{
    /// <summary>The live approval page: its files, the SignalR hub and the observers that feed it (approvals, grants, audit records).</summary>
    public static IServiceCollection AddGatewayWeb(this IServiceCollection services)
    {
        services.AddWebOptions();
        services.TryAddSingleton<WebAssets>();
        services.AddSignalR().AddJsonProtocol(options =>
        {
            // The REST API's own contract for ApprovalView and GrantView, so a push and a fetched list are the same JSON.
            options.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, ApprovalsApiJsonContext.Default);
        });
        services.TryAddSingleton<PageConnections>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISignOutListener, PageConnections>(sp => sp.GetRequiredService<PageConnections>()));
        services.TryAddSingleton<HubApprovalObserver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IApprovalObserver, HubApprovalObserver>(sp => sp.GetRequiredService<HubApprovalObserver>()));
        services.AddHostedService<ShutdownPagePush>();
        services.TryAddSingleton<GrantsPagePush>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IGrantObserver, GrantsPagePush>(sp => sp.GetRequiredService<GrantsPagePush>()));
        services.TryAddSingleton<AuditPagePush>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuditObserver, AuditPagePush>(sp => sp.GetRequiredService<AuditPagePush>()));
        return services;
    }

    /// <summary>The <c>Web</c> section, which both the page and the sign-in throttle (<c>AddGatewayAuth</c>) read.</summary>
    public static IServiceCollection AddWebOptions(this IServiceCollection services)
    {
        // Bound once whoever asks first: a second binding would bind and reload every value twice.
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<WebOptions>)))
        {
            return services;
        }

        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebOptions>, WebOptionsValidator>();
        return services;
    }
}
