using System.Text.Json.Nodes;

namespace ApprovalGateway.Slack;

/// <summary>A rendered message: <see cref="Text"/> is the notification fallback, <see cref="Blocks"/> the Block Kit body.</summary>
internal sealed record SlackMessage(string Text, JsonArray Blocks);
