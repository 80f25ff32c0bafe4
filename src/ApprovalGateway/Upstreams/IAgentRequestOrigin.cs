namespace ApprovalGateway.Upstreams;

/// <summary>
/// The agent's request behind the gateway's requests to upstreams (<see cref="UpstreamClientRole.Origin"/>), for what
/// the upstream should be told of it.
/// </summary>
internal interface IAgentRequestOrigin
{
    /// <summary>The reason the agent's <c>notifications/cancelled</c> for it gave, as it gave it; null without one.</summary>
    string? CancelledWith { get; }
}
