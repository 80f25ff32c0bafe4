using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Upstreams;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Puts a request an upstream makes of its client (sampling, elicitation, roots, ...) to the agent as the JSON the
/// upstream sent, and gives back the agent's own result, or its error with code, message and data: the SDK's typed
/// requests would change both, and its exception for an error keeps only part of it, behind a prefix of its own.
/// When the upstream withdraws the request, the agent is told so with the upstream's reason.
/// </summary>
internal sealed class AgentRequestRelay
{
    private static long s_lastRequestId;

    private readonly ConcurrentDictionary<RequestId, Awaiting> _awaiting = new();

    /// <summary>Keeps an error the agent answered with, for the request waiting on it. Call before the SDK reads it.</summary>
    public void Observe(JsonRpcError error)
    {
        if (_awaiting.TryGetValue(error.Id, out var awaiting))
        {
            awaiting.Error = error.Error;
        }
    }

    /// <summary>
    /// An outgoing filter for the agent's session. The SDK tells the agent of a request whose cancellation token fired
    /// with a <c>notifications/cancelled</c> of its own, which gives no reason: for one the upstream withdrew, this adds
    /// the upstream's.
    /// </summary>
    public McpMessageHandler Filter(McpMessageHandler next) => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcNotification { Method: NotificationMethods.CancelledNotification, Params: JsonObject parameters }
            && !parameters.ContainsKey("reason")
            && CancelledRequest(parameters) is { } id
            && _awaiting.TryGetValue(id, out var awaiting)
            && awaiting.Withdrawal.Reason is { } reason)
        {
            parameters["reason"] = reason;
        }

        return next(context, cancellationToken);
    };

    /// <summary>
    /// The agent's answer to <paramref name="request"/>, sent over <paramref name="agent"/>, under the request's own id;
    /// cancelled when the upstream withdraws it.
    /// </summary>
    public async Task<JsonRpcMessageWithId> SendAsync(McpServer agent, JsonRpcRequest request, ClientRequestWithdrawal withdrawal)
    {
        // An id of the gateway's own: several upstreams, and the gateway's own prompts, ask the same agent.
        var id = new RequestId($"gateway-{Interlocked.Increment(ref s_lastRequestId)}");
        var awaiting = new Awaiting(withdrawal);
        _awaiting[id] = awaiting;
        try
        {
            var response = await agent.SendRequestAsync(new JsonRpcRequest { Id = id, Method = request.Method, Params = request.Params }, withdrawal.Token);
            return new JsonRpcResponse { Id = request.Id, Result = response.Result };
        }
        catch (McpProtocolException) when (awaiting.Error is { } detail)
        {
            return new JsonRpcError { Id = request.Id, Error = detail };
        }
        finally
        {
            _awaiting.TryRemove(id, out _);
        }
    }

    private static RequestId? CancelledRequest(JsonObject parameters)
    {
        try
        {
            return parameters.Deserialize<CancelledNotificationParams>(McpJsonUtilities.DefaultOptions)?.RequestId;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Awaiting(ClientRequestWithdrawal withdrawal)
    {
        public ClientRequestWithdrawal Withdrawal => withdrawal;

        /// <summary>The error the agent answered with, kept whole.</summary>
        public volatile JsonRpcErrorDetail? Error;
    }
}
