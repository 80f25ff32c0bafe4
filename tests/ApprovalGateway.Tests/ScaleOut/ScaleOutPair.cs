namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Two gateway instances on the same PostgreSQL database (and Redis, when asked): a load-balanced deployment.</summary>
internal sealed class ScaleOutPair : IAsyncDisposable
{
    private ScaleOutPair(ScaleOutGateway a, ScaleOutGateway b)
    {
        A = a;
        B = b;
    }

    public ScaleOutGateway A { get; }

    public ScaleOutGateway B { get; }

    public static async Task<ScaleOutPair> StartAsync(ScaleOutServices services, bool redis, string policy, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
        };
        if (redis)
        {
            settings["Redis:ConnectionString"] = services.RedisConnectionString;
        }

        var a = await ScaleOutGateway.StartAsync(settings, policy);
        try
        {
            return new ScaleOutPair(a, await ScaleOutGateway.StartAsync(settings, policy));
        }
        catch
        {
            await a.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Both stop before either is disposed: Hangfire's process-wide log provider belongs to the last one started.
        await Task.WhenAll(A.StopAsync(), B.StopAsync());
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
