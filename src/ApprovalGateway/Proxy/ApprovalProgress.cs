using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>Turns approval wait updates into <c>notifications/progress</c> on the waiting call's own stream.</summary>
internal sealed class ApprovalProgress(McpServer server, JsonNode token, ILogger logger) : IProgress<ApprovalWaitStatus>
{
    private int _count;

    /// <summary>How many reports went out: the upstream's own progress for the call, once it is sent, counts on from here.</summary>
    public int Reported => Volatile.Read(ref _count);

    public void Report(ApprovalWaitStatus value)
    {
        var notification = new JsonRpcNotification
        {
            Method = NotificationMethods.ProgressNotification,
            Params = new JsonObject
            {
                ["progressToken"] = token.DeepClone(),
                ["progress"] = Interlocked.Increment(ref _count),
                ["message"] = value.Message,
            },
        };
        _ = server.SendMessageAsync(notification, CancellationToken.None).ContinueWith(
            t => Log.RelayToAgentFailed(logger, NotificationMethods.ProgressNotification, "gateway", t.Exception!.GetBaseException().Message),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }
}
