namespace ApprovalGateway.Proxy;

/// <summary>Asks the person at the agent's own client to approve or reject a held call.</summary>
internal interface IClientApprovalPrompt
{
    /// <summary>The person's answer, or null when they declined or dismissed the prompt.</summary>
    Task<ClientApprovalAnswer?> AskAsync(string message, CancellationToken cancellationToken);
}

internal sealed record ClientApprovalAnswer(bool Approve, string? Reason);
