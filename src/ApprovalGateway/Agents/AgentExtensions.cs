using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Agents;

internal static class AgentExtensions
{
    /// <param name="stdio">The gateway serves its one agent on stdin/stdout, and no MCP endpoint over HTTP.</param>
    public static IServiceCollection AddGatewayAgents(this IServiceCollection services, IConfiguration configuration, bool stdio = false)
    {
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddSingleton<AgentDirectory>();
        if (!stdio)
        {
            // Its warning is about callers of /mcp, which --stdio does not serve: it would send the operator looking for
            // a hole that is not there.
            services.AddHostedService<AgentStartup>();
        }

        return services;
    }

    /// <summary>Requires an agent key on <paramref name="mcpPath"/> (and below it); other paths pass untouched.</summary>
    public static IApplicationBuilder UseAgentAuthentication(this IApplicationBuilder app, PathString mcpPath) =>
        app.UseMiddleware<AgentAuthenticationMiddleware>(mcpPath);

    /// <summary>The agent of this MCP request, or null outside the guarded path.</summary>
    public static AgentIdentity? GetAgent(this HttpContext context) => context.Features.Get<IAgentFeature>()?.Agent;
}
