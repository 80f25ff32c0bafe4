namespace ApprovalGateway.Policy.Decisions;

/// <summary>
/// Every outcome the gateway can give a tool call. The same name flows to the agent's error,
/// the audit record, the Slack message, the live page and the logs, so nobody re-derives it.
/// </summary>
public enum DecisionKind
{
    /// <summary>The policy lets the call through without a human.</summary>
    Allowed,
    /// <summary>The tool is hidden: absent from tools/list and answered as an unknown tool.</summary>
    Hidden,
    /// <summary>The policy denies the call, with a reason.</summary>
    Denied,
    /// <summary>A rate limit is exhausted; the caller may retry after a delay.</summary>
    RateLimited,
    /// <summary>A human must approve the call before it is forwarded.</summary>
    ApprovalRequired,
    /// <summary>Enough approvers said yes (or a time-boxed grant covered the call).</summary>
    Approved,
    /// <summary>An approver said no.</summary>
    Rejected,
    /// <summary>Nobody decided before the deadline.</summary>
    Expired,
    /// <summary>The agent cancelled the call or its session ended while it waited.</summary>
    Withdrawn,
    /// <summary>
    /// The call is about to go to the upstream: recorded before it is sent, so no call reaches an upstream without
    /// a record. Its outcome follows in a second record; one without a second means the gateway stopped mid-call.
    /// </summary>
    Forwarding,
    /// <summary>The call reached the upstream and its answer went back to the agent.</summary>
    Forwarded,
    /// <summary>The upstream could not be reached or failed the request.</summary>
    UpstreamFailed,
    /// <summary>
    /// The caller could not be identified (no or an unknown agent key at the MCP endpoint, a Slack request whose
    /// signature does not verify), so nothing was forwarded or decided.
    /// </summary>
    Unauthenticated,
    /// <summary>No upstream serves the tool the agent called: answered as unknown, as a hidden tool is.</summary>
    UnknownTool,
    /// <summary>
    /// The call's arguments are JSON the gateway cannot read (a key given twice, text that is not valid Unicode), so
    /// nothing was decided or forwarded.
    /// </summary>
    InvalidArguments,
    /// <summary>
    /// Not a call: an approver ended a time-boxed grant before its time, so the calls it released ask again. Its audit
    /// record names the grant's agent, upstream, tool and approval, and the approver who ended it.
    /// </summary>
    GrantRevoked,
    /// <summary>
    /// The request is not a JSON-RPC message the gateway can read (not JSON, nested deeper than 64 levels, a batch,
    /// a stdio line over the size limit), so nothing was decided or forwarded; its record names the agent, and the
    /// method and tool where they could be found.
    /// </summary>
    InvalidRequest,
    /// <summary>
    /// Not a call: the instance began enforcing a policy file, at startup or when an edit of it was applied. Its audit
    /// record names the file, the SHA-256 of its bytes and its rules, so the rules in force at any record can be told.
    /// </summary>
    PolicyLoaded,
    /// <summary>
    /// Not a call: an edit of the policy file was refused and the last good policy stays in force. Its audit record
    /// names the file, the SHA-256 of the refused bytes and the first error (line and column).
    /// </summary>
    PolicyRejected,
}
