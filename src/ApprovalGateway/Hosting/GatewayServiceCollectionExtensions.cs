using ApprovalGateway.Agents;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy;
using ApprovalGateway.Proxy;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Proxy.Tasks;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Slack;
using ApprovalGateway.Upstreams;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>The two calls <c>Program.cs</c> makes: every feature's services, then every feature's endpoints.</summary>
internal static class GatewayServiceCollectionExtensions
{
    public static IServiceCollection AddApprovalGateway(this IServiceCollection services, IConfiguration configuration, bool stdio = false)
    {
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        // The policy loads first: an invalid policy stops the gateway before any upstream is started.
        services.AddGatewayPolicy(configuration, stdio);
        services.AddSingleton<IToolCallPolicy>(sp => sp.GetRequiredService<PolicyEngine>());

        services.AddSingleton<StdioSpareProcesses>();
        services.AddSingleton<UpstreamConnector>();
        services.AddSingleton<UpstreamStatusBoard>();
        services.AddSingleton<ToolCatalog>();
        services.AddSingleton<IToolCatalog>(sp => sp.GetRequiredService<ToolCatalog>());
        // The catalog must know the upstreams before the MCP server advertises anything.
        services.AddHostedService(sp => sp.GetRequiredService<ToolCatalog>());
        services.AddHostedService<UnservedToolRuleLog>();

        services.AddGatewayAudit(configuration);
        services.AddHostedService<PolicyChangeAudit>();
        services.AddGatewayMetrics(configuration);
        services.AddGatewayAgents(configuration, stdio);
        services.AddGatewayAuth(configuration);
        services.AddGatewayApprovals(configuration);
        services.AddGatewaySlack(configuration);
        services.AddGatewayWeb();
        services.AddHostedService<PolicyPagePush>();
        services.AddSingleton<IGrantLimits, PolicyGrantLimits>();
        services.AddSingleton<PolicyEditGrantRevocation>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyEditGrantRevocation>());
        services.AddSingleton<IGrantGivenObserver>(sp => sp.GetRequiredService<PolicyEditGrantRevocation>());
        services.AddGatewayScaleOut(configuration);

        services.AddSingleton<ToolCallPipeline>();
        services.AddSingleton<UnreadableRequestAudit>();
        services.AddGatewayTasks();
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
        var mcpPath = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.McpPath;
        app.UseMcpOriginCheck(mcpPath);
        app.UseGatewayAuth();
        app.UseAgentAuthentication(mcpPath);
        app.UseAgentPrincipal(mcpPath);
        app.UseMcpRequestLimits();

        if (!stdio)
        {
            app.UseMcpEventStreamKeepalive(mcpPath);
            app.UseMcpMediaTypeCheck(mcpPath);
            app.UseMcpSessionIdRequired(mcpPath);
            app.UseMcpUnsupportedProtocolVersion(mcpPath);
            app.UseMcpSessionDelete(mcpPath);
            app.UseMcpGetStreamConflict(mcpPath);
            app.UseMcpUnreadableRequestAudit(mcpPath);
            app.UseMcpSessionLimits(mcpPath);
            app.UseMcpAnsweredStreamResumption(mcpPath);
            app.MapGatewayMcp();
            app.MapNoOAuthRegistration();
        }

        app.MapGatewayAuth();
        app.MapToolCatalogApi();
        app.MapPolicyStatusApi();
        app.MapUpstreamStatusApi();
        app.MapGatewayMetrics();
        app.MapApprovalsApi();
        app.MapGrantsApi();
        app.MapApprovalsDashboard();
        app.MapAuditApi();
        app.MapSlackInteractions();
        app.MapGatewayWeb();
        return app;
    }
}
