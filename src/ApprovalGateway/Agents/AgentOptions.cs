namespace ApprovalGateway.Agents;

/// <summary>Bound from the <c>Gateway</c> section: <c>Gateway:Agents:{name}</c> and <c>Gateway:StdioAgent</c>.</summary>
internal sealed class AgentOptions
{
    public const string Section = "Gateway";

    public const int MinimumKeyLength = 16;

    public Dictionary<string, AgentSettings> Agents { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The agent the stdio transport speaks for (it has no header to carry a key).</summary>
    public string StdioAgent { get; set; } = "stdio";
}
