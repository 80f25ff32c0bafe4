using System.Net;
using System.Net.Sockets;
using ApprovalGateway.Approvals;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Npgsql;
using StackExchange.Redis;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Scaled out, a rate limit is one budget across every gateway instance: counted in Redis, or in PostgreSQL without it.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class SharedRateLimitTests(ScaleOutServices services)
{
    private const string EchoLimitedPerAgent = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "allow", "rate_limit": { "max": 3, "window": 60, "per": "agent" } } }
        }
        """;

    // Redis outlives each test in the collection, so every test counts for agents of its own.
    private readonly string _bot = $"bot-{Guid.NewGuid():N}";
    private readonly string _other = $"other-{Guid.NewGuid():N}";

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AgentLimit_HoldsAcrossInstances(bool redis)
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis, EchoLimitedPerAgent, Agents());
        await using var onA = await pair.A.ConnectAsync(Key(_bot));
        await using var onB = await pair.B.ConnectAsync(Key(_bot));

        Assert.Equal("forwarded", await EchoAsync(onA));
        Assert.Equal("forwarded", await EchoAsync(onA));
        Assert.Equal("forwarded", await EchoAsync(onB));

        var fourth = await onB.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" });
        Assert.Equal("rate_limited", Decision(fourth));
        Assert.StartsWith("Rate limit: 3 calls per 60 s exceeded, retry in ", Text(fourth), StringComparison.Ordinal);
        Assert.InRange((int)Refusals.Of(fourth)["retryAfterSeconds"]!, 1, 60);
        Assert.Equal("rate_limited", await EchoAsync(onA));
    }

    [ServicesFact]
    public async Task AgentLimit_LeavesOtherAgentsBudgets_WhenOneIsSpentAcrossInstances()
    {
        await using var pair = await ScaleOutPair.StartAsync(services, redis: true, EchoLimitedPerAgent, Agents());
        await using var bot = await pair.A.ConnectAsync(Key(_bot));
        await using var other = await pair.B.ConnectAsync(Key(_other));
        for (var i = 0; i < 3; i++)
        {
            await EchoAsync(bot);
        }

        Assert.Equal("rate_limited", await EchoAsync(bot));
        Assert.Equal("forwarded", await EchoAsync(other));
    }

    [ServicesFact]
    public async Task AcquireAsync_LeavesNoCounterBehind_OnceItsWindowEnds()
    {
        await using var connection = Connection(services.RedisConnectionString);
        var store = new RedisRateLimitStore(connection, NullLogger<RedisRateLimitStore>.Instance);

        await store.AcquireAsync("rule", _bot, 1, 60);
        var limited = await store.AcquireAsync("rule", _bot, 1, 60);

        Assert.False(limited.Allowed);
        Assert.InRange(limited.RetryAfterSeconds, 1, 60);
        var ttl = await (await connection.GetAsync()).GetDatabase().KeyTimeToLiveAsync($"{RedisRateLimitStore.KeyPrefix}rule:{_bot}:60");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task AcquireAsync_RefusesWithAReason_WhenRedisIsUnreachable()
    {
        await using var connection = Connection($"127.0.0.1:{ClosedPort()},connectTimeout=200,connectRetry=0");
        var store = new RedisRateLimitStore(connection, NullLogger<RedisRateLimitStore>.Instance);

        var result = await store.AcquireAsync("rule", "scope", 100, 60);

        Assert.False(result.Allowed);
        Assert.Equal(RedisRateLimitStore.UnavailableReason, result.Reason);
        Assert.Equal(RedisRateLimitStore.UnavailableRetrySeconds, result.RetryAfterSeconds);
    }

    [ServicesFact]
    public async Task PostgreSqlAcquireAsync_StartsANewWindow_OnceTheStoredOneHasEnded()
    {
        var database = await services.CreateDatabaseAsync();
        await using var store = PostgreSqlStore(database);
        Assert.True((await store.AcquireAsync("rule", _bot, 1, 60)).Allowed);
        var limited = await store.AcquireAsync("rule", _bot, 1, 60);
        Assert.False(limited.Allowed);
        Assert.InRange(limited.RetryAfterSeconds, 1, 60);

        await ExecuteAsync(database, $"UPDATE {PostgreSqlRateLimitStore.Table} SET window_end = clock_timestamp() - interval '1 second'");

        Assert.True((await store.AcquireAsync("rule", _bot, 1, 60)).Allowed);
        Assert.False((await store.AcquireAsync("rule", _bot, 1, 60)).Allowed);
    }

    [ServicesFact]
    public async Task PostgreSqlAcquireAsync_DropsEndedWindows_SoSessionScopesDoNotPileUp()
    {
        var database = await services.CreateDatabaseAsync();
        await using (var first = PostgreSqlStore(database))
        {
            await first.AcquireAsync("rule", "session-1", 10, 60);
        }

        await ExecuteAsync(database, $"UPDATE {PostgreSqlRateLimitStore.Table} SET window_end = clock_timestamp() - interval '1 second'");
        await using var second = PostgreSqlStore(database);
        await second.AcquireAsync("rule", "session-2", 10, 60);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand($"SELECT key FROM {PostgreSqlRateLimitStore.Table}", connection);
        Assert.Equal("rule:session-2:60", (string?)await keys.ExecuteScalarAsync());
    }

    [Fact]
    public async Task PostgreSqlAcquireAsync_RefusesWithAReason_WhenTheDatabaseIsUnreachable()
    {
        await using var store = PostgreSqlStore($"Host=127.0.0.1;Port={ClosedPort()};Username=nobody;Timeout=1");

        var result = await store.AcquireAsync("rule", "scope", 100, 60);

        Assert.False(result.Allowed);
        Assert.Equal(PostgreSqlRateLimitStore.UnavailableReason, result.Reason);
        Assert.Equal(RedisRateLimitStore.UnavailableRetrySeconds, result.RetryAfterSeconds);
    }

    private static PostgreSqlRateLimitStore PostgreSqlStore(string connectionString) => new(
        Options.Create(new HangfireOptions { ConnectionString = connectionString }), TimeProvider.System, NullLogger<PostgreSqlRateLimitStore>.Instance);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private Dictionary<string, string?> Agents() => new()
    {
        [$"Gateway:Agents:{_bot}:ApiKey"] = Key(_bot),
        [$"Gateway:Agents:{_other}:ApiKey"] = Key(_other),
    };

    private static string Key(string agent) => $"key-{agent}";

    private static async Task<string?> EchoAsync(McpClient client) =>
        Decision(await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }));

    private static string? Decision(CallToolResult result) =>
        result.IsError == true ? (string?)Refusals.Of(result)["decision"] : "forwarded";

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(result.Content[0]).Text;

    private static RedisConnection Connection(string connectionString) =>
        new(Options.Create(new RedisOptions { ConnectionString = connectionString }));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
