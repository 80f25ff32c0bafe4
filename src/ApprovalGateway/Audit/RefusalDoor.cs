namespace ApprovalGateway.Audit;

/// <summary>
/// Where a refused request knocked. Each door has its own budget of audit records, so a flood of bad agent keys at
/// <c>/mcp</c> cannot push a password-guessing run at the approvers' sign-in out of the log, nor the other way round.
/// </summary>
internal enum RefusalDoor
{
    /// <summary>The MCP endpoint: agent keys and browser origins.</summary>
    Mcp,

    /// <summary>The approval page and API: sign-ins and approver tokens.</summary>
    Approvers,

    /// <summary>Slack's interaction requests: signatures.</summary>
    Slack,
}
