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
            // The REST API's own contract for ApprovalView, so a push and a fetched list are the same JSON.
            options.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.PayloadSerializerOptions.TypeInfoResolverChain.Insert(0, ApprovalsApiJsonContext.Default);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IApprovalObserver, HubApprovalObserver>());
        return services;
    }
}
