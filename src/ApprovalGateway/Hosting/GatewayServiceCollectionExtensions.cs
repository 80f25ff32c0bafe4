using ApprovalGateway.Proxy;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Hosting;

/// <summary>The two calls <c>Program.cs</c> makes: every feature's services, then every feature's endpoints.</summary>
internal static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddApprovalGateway(this IServiceCollection services, IConfiguration configuration, bool stdio = false)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<UpstreamConnector>();
        services.AddSingleton<UpstreamStatusBoard>();
        services.AddSingleton<ToolCatalog>();
        services.AddSingleton<IToolCatalog>(sp => sp.GetRequiredService<ToolCatalog>());
        // First hosted service: the catalog must know the upstreams before the MCP server advertises anything.
        services.AddHostedService(sp => sp.GetRequiredService<ToolCatalog>());

        services.AddSingleton<ToolCallPipeline>();
        services.AddSingleton<GatewaySessionFactory>();
        if (stdio)
        {
            services.AddGatewayMcpStdio();
        }
        else
        {
            services.AddGatewayMcpHttp();
        }

        return services;
    }

    public static WebApplication MapApprovalGateway(this WebApplication app, bool stdio = false)
    {
        app.UseMcpRequestLimits();
        if (!stdio)
        {
            app.MapGatewayMcp();
        }

        return app;
    }
}
