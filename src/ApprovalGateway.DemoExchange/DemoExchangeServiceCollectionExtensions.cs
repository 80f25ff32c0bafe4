using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ApprovalGateway.DemoExchange.Exchange;
using ApprovalGateway.DemoExchange.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol;

namespace ApprovalGateway.DemoExchange;

internal static class DemoExchangeServiceCollectionExtensions
{
    private static readonly JsonSerializerOptions SerializerOptions = new(McpJsonUtilities.DefaultOptions)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(DemoJsonContext.Default, McpJsonUtilities.DefaultOptions.TypeInfoResolver),
    };

    /// <summary>Registers the seeded exchange and its tools; the caller picks the transport.</summary>
    public static IMcpServerBuilder AddDemoExchange(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SimulatedExchange(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SimulatedExchange>>()).Seed());
        return services
            .AddMcpServer(o => o.ServerInfo = new() { Name = "demo-exchange", Title = "Demo exchange", Version = "1.0.0" })
            .WithRequestFilters(f => f.AddCallToolFilter(ExchangeErrorFilter.Apply))
            .WithTools<AccountTools>(SerializerOptions)
            .WithTools<MarketTools>(SerializerOptions)
            .WithTools<SpotOrderTools>(SerializerOptions)
            .WithTools<AlgoOrderTools>(SerializerOptions)
            .WithTools<WalletTools>(SerializerOptions);
    }
}
