using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Redis pub/sub; the multiplexer resubscribes by itself after a reconnection. Until the first subscription gets
/// through (Redis down when the gateway starts), it is tried again with a backoff.
/// </summary>
internal sealed class RedisSignalTransport(RedisConnection connection, TimeProvider time, ILogger<RedisSignalTransport> logger)
    : IApprovalSignalTransport
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("approval-gateway:approvals");

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    public async Task PublishAsync(string message, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync();
        await redis.GetSubscriber().PublishAsync(Channel, message);
    }

    public async Task ListenAsync(Action<string> onMessage, Action onConnected, Action onDisconnected, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync().WaitAsync(cancellationToken);
        var subscriber = redis.GetSubscriber();
        void Restored(object? sender, ConnectionFailedEventArgs e) => onConnected();
        void Failed(object? sender, ConnectionFailedEventArgs e) => onDisconnected();
        redis.ConnectionRestored += Restored;
        redis.ConnectionFailed += Failed;
        try
        {
            // A listener that gave up here would stop the host: one Redis blip at start-up would end the instance.
            await SubscribeAsync(subscriber, onMessage, cancellationToken);
            onConnected();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            redis.ConnectionRestored -= Restored;
            redis.ConnectionFailed -= Failed;
            try
            {
                await subscriber.UnsubscribeAsync(Channel);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // Stopping while Redis is unreachable, or after a shutdown timeout let the connection be disposed first:
                // there is no subscription to end.
            }
        }
    }

    private async Task SubscribeAsync(ISubscriber subscriber, Action<string> onMessage, CancellationToken cancellationToken)
    {
        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                await subscriber.SubscribeAsync(Channel, (_, value) => onMessage(value.ToString()));
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Log.RedisSubscribeFailed(logger, ex, delay);
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
