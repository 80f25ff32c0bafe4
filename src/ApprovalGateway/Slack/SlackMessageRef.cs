namespace ApprovalGateway.Slack;

/// <summary>Where a posted message lives: chat.update needs both the channel ID and the timestamp.</summary>
internal sealed record SlackMessageRef(string Channel, string Ts);
