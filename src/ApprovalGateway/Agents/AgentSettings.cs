namespace ApprovalGateway.Agents;

/// <summary>One agent under <c>Gateway:Agents:{name}</c>.</summary>
internal sealed class AgentSettings
{
    /// <summary>The key the agent sends as <c>Authorization: Bearer &lt;key&gt;</c>; at least 16 characters.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The approver name that owns this agent; the owner never counts as an approver of its own agent's calls.</summary>
    public string? Owner { get; set; }
}
