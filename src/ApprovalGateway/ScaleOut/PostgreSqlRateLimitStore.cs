using System.Globalization;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Rate-limit counters in the PostgreSQL database the instances share, for deployments without Redis: the same fixed
/// windows as <see cref="RedisRateLimitStore"/>, one row per rule, scope and window length, counted and started in one
/// statement with the database's clock. Fails closed like it: while the database cannot be reached a rate-limited
/// call is refused, saying why, rather than let through uncounted.
/// </summary>
internal sealed class PostgreSqlRateLimitStore(
    IOptions<HangfireOptions> options,
    TimeProvider time,
    ILogger<PostgreSqlRateLimitStore> logger) : IRateLimitStore, IAsyncDisposable
{
    public const string Table = "rate_limit_counters";

    public const string UnavailableReason = "shared counters (PostgreSQL) unreachable, call refused uncounted";

    // A row whose window has ended starts a new one: count 1, ending one window from now.
    private const string AcquireSql = $"""
        INSERT INTO {Table} AS c (key, count, window_end)
        VALUES ($1, 1, clock_timestamp() + make_interval(secs => $2))
        ON CONFLICT (key) DO UPDATE SET
            count = CASE WHEN c.window_end <= clock_timestamp() THEN 1 ELSE c.count + 1 END,
            window_end = CASE WHEN c.window_end <= clock_timestamp() THEN EXCLUDED.window_end ELSE c.window_end END
        RETURNING count, extract(epoch FROM c.window_end - clock_timestamp())::float8
        """;

    // Scopes include session ids, so ended windows are dropped rather than left to pile up.
    private const string SweepSql = $"DELETE FROM {Table} WHERE window_end < clock_timestamp()";

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Lazy<NpgsqlDataSource> _dataSource = new(() => NpgsqlDataSource.Create(options.Value.ConnectionString!));

    // The lock key is the ASCII of "AGRATE".
    private readonly PostgreSqlTable _table = new(71774578496581, $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            key text PRIMARY KEY,
            count bigint NOT NULL,
            window_end timestamptz NOT NULL);
        """);

    private long _nextSweep;

    public async ValueTask<RateLimitResult> AcquireAsync(string rule, string scope, int max, int windowSeconds)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{rule}:{scope}:{windowSeconds}");
        long count;
        double secondsLeft;
        try
        {
            await using var connection = await _dataSource.Value.OpenConnectionAsync();
            await _table.EnsureCreatedAsync(connection);
            await using (var acquire = new NpgsqlCommand(AcquireSql, connection))
            {
                acquire.Parameters.Add(new NpgsqlParameter { Value = key });
                acquire.Parameters.Add(new NpgsqlParameter { Value = (double)windowSeconds });
                await using var reader = await acquire.ExecuteReaderAsync();
                await reader.ReadAsync();
                (count, secondsLeft) = (reader.GetInt64(0), reader.GetDouble(1));
            }

            await SweepIfDueAsync(connection);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Log.RateLimitStoreUnavailable(logger, e, "PostgreSQL", rule);
            return new RateLimitResult(false, RedisRateLimitStore.UnavailableRetrySeconds, UnavailableReason);
        }

        return count <= max
            ? RateLimitResult.Granted
            : RateLimitResult.Limited(Math.Max(1, (int)Math.Ceiling(secondsLeft)));
    }

    private async Task SweepIfDueAsync(NpgsqlConnection connection)
    {
        var now = time.GetUtcNow().UtcTicks;
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        await using var sweep = new NpgsqlCommand(SweepSql, connection);
        await sweep.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync();
        }
    }
}
