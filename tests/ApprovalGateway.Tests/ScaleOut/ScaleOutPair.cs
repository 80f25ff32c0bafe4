using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// Two gateway instances on the same PostgreSQL database (and Redis, when asked), as a load balancer sees them:
/// A runs in the test's process, where a test can watch the approvals it makes; B is a process of its own, so
/// nothing reaches A from B but through the shared services.
/// </summary>
internal sealed class ScaleOutPair : IAsyncDisposable
{
    private ScaleOutPair(ScaleOutGateway a, GatewayProcess b)
    {
        A = a;
        B = b;
    }

    public ScaleOutGateway A { get; }

    public GatewayProcess B { get; }

    /// <param name="configureA">Changes to A's host, such as a logger provider a test waits on.</param>
    public static async Task<ScaleOutPair> StartAsync(
        ScaleOutServices services,
        bool redis,
        string policy,
        IReadOnlyDictionary<string, string?>? extra = null,
        Action<WebApplicationBuilder>? configureA = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
            ["Approvers:alice:Token"] = ScaleOutGateway.AliceToken,
        };
        if (redis)
        {
            settings["Redis:ConnectionString"] = services.RedisConnectionString;
        }

        var a = await ScaleOutGateway.StartAsync(settings, policy, configureA);
        try
        {
            return new ScaleOutPair(a, await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), policy, settings));
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
