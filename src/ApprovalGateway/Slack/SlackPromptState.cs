namespace ApprovalGateway.Slack;

/// <summary>
/// What storage knows of one approval's Slack prompt: the posting job, once posted the message, and when the first
/// attempt to post it began (a message may exist in Slack from then on, even when no answer said so).
/// </summary>
internal sealed record SlackPromptState(string? PostJobId, SlackMessageRef? Message, DateTimeOffset? PostStartedAt);
