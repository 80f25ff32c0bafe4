using ApprovalGateway.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>One multiplexer per instance, connected on first use and reconnecting on its own afterwards.</summary>
internal sealed class RedisConnection(IOptions<RedisOptions> options) : IAsyncDisposable, IHealthSignal
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _multiplexer = new(() => ConnectAsync(options.Value.ConnectionString!));

    public Task<ConnectionMultiplexer> GetAsync() => _multiplexer.Value;

    /// <summary>Read when asked rather than tracked: the multiplexer knows at every moment, and reconnects by itself.</summary>
    public string? Problem =>
        !_multiplexer.IsValueCreated || (_multiplexer.Value is { IsCompletedSuccessfully: true } connecting && connecting.Result.IsConnected)
            ? null
            : "Redis (Redis:ConnectionString) unreachable: calls under a rate limit are refused, and live pages miss other instances' changes until it is back.";

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
        {
            await (await _multiplexer.Value).DisposeAsync();
        }
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        var configuration = ConfigurationOptions.Parse(connectionString);

        // A gateway that starts while Redis is down keeps retrying instead of failing every publish for good.
        configuration.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(configuration);
    }
}
