using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The client's part of one agent session's upstream session, which the gateway plays with the agent's own JSON
/// rather than through the SDK's typed client: its models fill schema defaults into elicitation answers, encode
/// sampled images twice and drop fields they do not know. What the upstream asks its client (sampling, elicitation,
/// roots, anything else) goes to <paramref name="answer"/>, which gives back the agent's result or error.
/// </summary>
internal sealed class UpstreamClientRole(Func<JsonRpcRequest, CancellationToken, Task<JsonRpcMessageWithId>> answer)
{
    /// <summary>The answer to <paramref name="request"/>, a request from the upstream, with its id.</summary>
    public Task<JsonRpcMessageWithId> AnswerAsync(JsonRpcRequest request, CancellationToken cancellationToken) =>
        answer(request, cancellationToken);
}
