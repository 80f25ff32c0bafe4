using StackExchange.Redis;

namespace ApprovalGateway.ScaleOut;

/// <summary>Redis pub/sub; the multiplexer resubscribes by itself after a reconnection.</summary>
internal sealed class RedisSignalTransport(RedisConnection connection) : IApprovalSignalTransport
{
    public static readonly RedisChannel Channel = RedisChannel.Literal("approval-gateway:approvals");

    public async Task PublishAsync(string message, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync();
        await redis.GetSubscriber().PublishAsync(Channel, message);
    }

    public async Task ListenAsync(Action<string> onMessage, Action onConnected, CancellationToken cancellationToken)
    {
        var redis = await connection.GetAsync().WaitAsync(cancellationToken);
        var subscriber = redis.GetSubscriber();
        void Restored(object? sender, ConnectionFailedEventArgs e) => onConnected();
        redis.ConnectionRestored += Restored;
        try
        {
            await subscriber.SubscribeAsync(Channel, (_, value) => onMessage(value.ToString()));
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
            await subscriber.UnsubscribeAsync(Channel);
        }
    }
}
