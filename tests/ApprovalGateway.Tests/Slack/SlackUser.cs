namespace ApprovalGateway.Tests.Slack;

/// <summary>A Slack user who clicks buttons in tests.</summary>
public sealed record SlackUser(string Id, string Username)
{
    public static SlackUser Alice { get; } = new("U024BE7LH", "alice");

    public static SlackUser Bob { get; } = new("U0BOB0001", "bob");
}
