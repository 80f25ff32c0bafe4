using System.Text.Json;
using ApprovalGateway.Approvals;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

internal static class WebServiceCollectionExtensions
{
    /// <summary>The live approval page: its files, the SignalR hub and the observer that feeds it.</summary>
    public static IServiceCollection AddGatewayWeb(this IServiceCollection services)
    {
        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebOptions>, WebOptionsValidator>());
        services.TryAddSingleton<WebAssets>();
        services.AddSignalR().AddJsonProtocol(options =>
        {
            // The same snake_case as the REST API, so the page renders pushes and fetched lists alike.
            options.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, WebJsonContext.Default);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IApprovalObserver, HubApprovalObserver>());
        return services;
    }
}
