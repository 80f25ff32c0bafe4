using ApprovalGateway.Testing;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// A real PostgreSQL cluster and a real Redis server for the whole collection. Each test takes a fresh database,
/// so Hangfire state never leaks between tests.
/// </summary>
public sealed class ScaleOutServices : IAsyncLifetime
{
    private PostgreSqlCluster? _postgreSql;
    private RedisServer? _redis;

    public string RedisConnectionString => Redis.ConnectionString;

    private PostgreSqlCluster PostgreSql => _postgreSql ?? throw Missing();

    private RedisServer Redis => _redis ?? throw Missing();

    public async Task InitializeAsync()
    {
        if (DebianServers.Unavailable is not null)
        {
            // Required but missing: the tests fail on their first use of a server, naming what is missing.
            return;
        }

        _postgreSql = await PostgreSqlCluster.StartAsync();
        _redis = await RedisServer.StartAsync();
    }

    /// <summary>A new, empty database; its connection string.</summary>
    public Task<string> CreateDatabaseAsync() => PostgreSql.CreateDatabaseAsync();

    /// <summary>Settings that keep both the approvals (Hangfire) and the audit log in a new, empty database.</summary>
    public async Task<Dictionary<string, string?>> AllOnPostgreSqlAsync()
    {
        var database = await CreateDatabaseAsync();
        return new()
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = database,
            ["Gateway:Audit:Sink"] = "PostgreSql",
            ["Gateway:Audit:ConnectionString"] = database,
        };
    }

    /// <summary>Kills Redis outright and starts an empty one on the same port, as after a crash of the Redis host.</summary>
    public Task RestartRedisAsync(Func<Task>? whileDown = null) => Redis.RestartAsync(whileDown);

    /// <inheritdoc cref="PostgreSqlCluster.RestartAsync"/>
    public Task RestartPostgreSqlAsync(Func<Task>? whileDown = null) => PostgreSql.RestartAsync(whileDown);

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_postgreSql is not null)
        {
            await _postgreSql.DisposeAsync();
        }
    }

    private static InvalidOperationException Missing() =>
        new($"{DebianServers.Unavailable}, but {ScaleOutBinaries.RequiredVariable}=1.");
}
