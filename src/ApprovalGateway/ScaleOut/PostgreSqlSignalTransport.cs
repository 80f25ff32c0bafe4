using ApprovalGateway.Approvals;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// PostgreSQL LISTEN/NOTIFY on the Hangfire database: one dedicated listening connection per instance,
/// reopened after any failure; notifications are sent over pooled connections.
/// </summary>
internal sealed class PostgreSqlSignalTransport(
    IOptions<HangfireOptions> options,
    TimeProvider time,
    ILogger<PostgreSqlSignalTransport> logger) : IApprovalSignalTransport, IAsyncDisposable
{
    public const string Channel = "approval_gateway_approvals";

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Lazy<NpgsqlDataSource> _dataSource = new(() => NpgsqlDataSource.Create(options.Value.ConnectionString!));

    public async Task PublishAsync(string message, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.Value.CreateCommand("SELECT pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = Channel });
        command.Parameters.Add(new NpgsqlParameter { Value = message });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ListenAsync(Action<string> onMessage, Action onConnected, Action onDisconnected, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString)
        {
            // An idle listener otherwise never notices a dead server or a dropped route.
            KeepAlive = 15,
            Pooling = false,
        };
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) => onMessage(e.Payload);
                await connection.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                delay = TimeSpan.FromSeconds(1);
                onConnected();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenerFailed(logger, ex, delay);
                onDisconnected();

                // The listener is told at once when the server shuts down; the idle pooled connections of Hangfire
                // and of the publisher broke with it but would fail only on their next use, after the restart.
                NpgsqlConnection.ClearAllPools();
                if (_dataSource.IsValueCreated)
                {
                    _dataSource.Value.Clear();
                }

                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource.IsValueCreated)
        {
            await _dataSource.Value.DisposeAsync();
        }
    }
}
