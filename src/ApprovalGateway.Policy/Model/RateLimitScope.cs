namespace ApprovalGateway.Policy.Model;

/// <summary>Whose calls one rate-limit counter counts: <c>"per"</c> in a <c>rate_limit</c> block.</summary>
public enum RateLimitScope
{
    /// <summary>Each downstream MCP session has its own counter (the default).</summary>
    Session,
    /// <summary>Each agent identity has one counter across its sessions.</summary>
    Agent,
    /// <summary>One counter for every caller.</summary>
    Global,
}
