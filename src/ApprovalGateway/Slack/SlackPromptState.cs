namespace ApprovalGateway.Slack;

/// <summary>What storage knows of one approval's Slack prompt: the posting job and, once posted, the message.</summary>
internal sealed record SlackPromptState(string? PostJobId, SlackMessageRef? Message);
