namespace ApprovalGateway.Agents;

/// <summary>Who is calling through the gateway: the configured agent name and the approver who owns it, if any.</summary>
internal sealed record AgentIdentity(string Name, string? Owner)
{
    /// <summary>Every caller when no agent is configured.</summary>
    public static AgentIdentity Anonymous { get; } = new("anonymous", null);
}
