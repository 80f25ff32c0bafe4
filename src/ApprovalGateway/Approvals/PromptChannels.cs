namespace ApprovalGateway.Approvals;

/// <summary>Where a held call is put before approvers in this configuration, as the API, the page and the agent's progress say it.</summary>
internal static class PromptChannels
{
    public const string Slack = "slack";

    public const string Web = "web";

    /// <summary>
    /// The rule's channels as they really deliver: Slack only when it is configured (rules name it by default, and
    /// naming it without a bot token sends approvers to look where nothing was posted), and the page whenever nothing
    /// else prompts, since it shows every held call.
    /// </summary>
    public static IReadOnlyList<string> Of(IReadOnlyList<string> listed, bool slackEnabled)
    {
        var slack = slackEnabled && listed.Contains(Slack, StringComparer.OrdinalIgnoreCase);
        var web = !slack || listed.Contains(Web, StringComparer.OrdinalIgnoreCase);
        List<string> prompted = [];
        if (slack)
        {
            prompted.Add(Slack);
        }

        if (web)
        {
            prompted.Add(Web);
        }

        prompted.AddRange(listed.Where(c => !c.Equals(Slack, StringComparison.OrdinalIgnoreCase) && !c.Equals(Web, StringComparison.OrdinalIgnoreCase)));
        return prompted;
    }
}
