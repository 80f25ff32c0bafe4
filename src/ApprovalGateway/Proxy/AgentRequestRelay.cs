using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>
/// Puts a request an upstream makes of its client (sampling, elicitation, roots, ...) to the agent as the JSON the
/// upstream sent, and gives back the agent's own result, or its error with code, message and data: the SDK's typed
/// requests would change both, and its exception for an error keeps only part of it, behind a prefix of its own.
/// </summary>
internal sealed class AgentRequestRelay
{
    private static long s_lastRequestId;

    private readonly ConcurrentDictionary<RequestId, StrongBox<JsonRpcErrorDetail?>> _awaiting = new();

    /// <summary>Keeps an error the agent answered with, for the request waiting on it. Call before the SDK reads it.</summary>
    public void Observe(JsonRpcError error)
    {
        if (_awaiting.TryGetValue(error.Id, out var awaiting))
        {
            awaiting.Value = error.Error;
        }
    }

    /// <summary>The agent's answer to <paramref name="request"/>, sent over <paramref name="agent"/>, under the request's own id.</summary>
    public async Task<JsonRpcMessageWithId> SendAsync(McpServer agent, JsonRpcRequest request, CancellationToken cancellationToken)
    {
        // An id of the gateway's own: several upstreams, and the gateway's own prompts, ask the same agent.
        var id = new RequestId($"gateway-{Interlocked.Increment(ref s_lastRequestId)}");
        var error = new StrongBox<JsonRpcErrorDetail?>();
        _awaiting[id] = error;
        try
        {
            var response = await agent.SendRequestAsync(new JsonRpcRequest { Id = id, Method = request.Method, Params = request.Params }, cancellationToken);
            return new JsonRpcResponse { Id = request.Id, Result = response.Result };
        }
        catch (McpProtocolException) when (error.Value is { } detail)
        {
            return new JsonRpcError { Id = request.Id, Error = detail };
        }
        finally
        {
            _awaiting.TryRemove(id, out _);
        }
    }
}
