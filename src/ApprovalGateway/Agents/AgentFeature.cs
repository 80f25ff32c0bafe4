namespace ApprovalGateway.Agents;

internal sealed class AgentFeature(AgentIdentity agent) : IAgentFeature
{
    public AgentIdentity Agent { get; } = agent;
}
