namespace ApprovalGateway.Proxy;

/// <summary>Who is on the other end of a downstream session: the agent, the approver who owns it, and the session id.</summary>
internal sealed record SessionIdentity(string Agent, string? Owner, string SessionId);
