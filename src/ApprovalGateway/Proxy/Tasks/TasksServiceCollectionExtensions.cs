using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy.Tasks;

internal static class TasksServiceCollectionExtensions
{
    public static IServiceCollection AddGatewayTasks(this IServiceCollection services)
    {
        services.AddOptions<TaskOptions>().BindConfiguration(TaskOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TaskOptions>, TaskOptionsValidator>();
        services.AddSingleton<TaskStore>();
        services.AddSingleton<GatewayTasks>();
        return services;
    }
}
