namespace ApprovalGateway.Approvals;

/// <summary>The <c>Approvals</c> section: how a held call reports progress and how decisions serialize.</summary>
internal sealed class ApprovalOptions
{
    public const string Section = "Approvals";

    /// <summary>How often a waiting call reports progress, so the agent's client sees it is alive.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a decision waits for the approval's storage lock before giving up.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Calls one agent may have waiting for a decision on one instance; past it a held call is refused at once, without
    /// a prompt, so an agent stuck in a loop cannot flood the approvers.
    /// </summary>
    public int MaxPendingPerAgent { get; set; } = 100;

    /// <summary>How many resolved approvals the API and the page can list.</summary>
    public int RecentCount { get; set; } = 200;

    /// <summary>Shown in progress messages when a rule sets no Slack channel; usually the same as <c>Slack:Channel</c>.</summary>
    public string? SlackChannel { get; set; }

    /// <summary>Whether prompts go to Slack (<c>Slack:BotToken</c> and a channel are set), so agents are not sent there for nothing.</summary>
    public bool SlackEnabled { get; internal set; }
}
