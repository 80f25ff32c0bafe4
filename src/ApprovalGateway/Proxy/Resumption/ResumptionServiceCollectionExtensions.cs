using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy.Resumption;

internal static class ResumptionServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayResumption(this IServiceCollection services)
    {
        services.AddOptions<ResumptionOptions>().BindConfiguration(ResumptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ResumptionOptions>, ResumptionOptionsValidator>();
        services.AddSingleton<ResumableStreamStore>();
        return services;
    }
}
