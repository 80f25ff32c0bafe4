using ApprovalGateway.Approvals;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>
/// Hangfire jobs that render an approval in Slack. They only render: the approval itself lives in the approval
/// service, so a Slack outage delays a prompt but never loses or decides an approval. Public for Hangfire;
/// built by DI through <see cref="SlackServiceCollectionExtensions.AddGatewaySlack"/>.
/// </summary>
public sealed class SlackPromptJobs
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private readonly SlackApiClient slack;
    private readonly ApprovalMessageBuilder builder;
    private readonly SlackMessageStore store;
    private readonly IApprovalDecisions approvals;
    private readonly IOptions<SlackOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    internal SlackPromptJobs(
        SlackApiClient slack,
        ApprovalMessageBuilder builder,
        SlackMessageStore store,
        IApprovalDecisions approvals,
        IOptions<SlackOptions> options,
        TimeProvider time,
        ILogger<SlackPromptJobs> logger)
    {
        this.slack = slack;
        this.builder = builder;
        this.store = store;
        this.approvals = approvals;
        this.options = options;
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Posts the prompt once: a retry after the ts was stored does nothing.</summary>
    [AutomaticRetry(Attempts = 8, DelaysInSeconds = [1, 5, 15, 30, 60, 120, 300, 600], ExceptOn = [typeof(SlackRateLimitedException)],
        OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [SlackRateLimitRetry]
    public async Task PostPromptAsync(string approvalId, CancellationToken cancellationToken)
    {
        using var _ = store.Lock(approvalId, LockTimeout);
        if (store.Get(approvalId).Message is { } posted)
        {
            Log.PromptAlreadyPosted(logger, approvalId, posted.Ts);
            return;
        }

        if (approvals.Get(approvalId) is not { } approval)
        {
            Log.ApprovalGone(logger, approvalId);
            return;
        }

        await PostAsync(approval, cancellationToken);
    }

    /// <summary>Replaces the prompt with the approval's current state (votes, outcome); runs after the post job.</summary>
    [AutomaticRetry(Attempts = 8, DelaysInSeconds = [1, 5, 15, 30, 60, 120, 300, 600], ExceptOn = [typeof(SlackRateLimitedException)],
        OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [SlackRateLimitRetry]
    public async Task UpdatePromptAsync(string approvalId, CancellationToken cancellationToken)
    {
        using var _ = store.Lock(approvalId, LockTimeout);
        if (approvals.Get(approvalId) is not { } approval)
        {
            Log.ApprovalGone(logger, approvalId);
            return;
        }

        if (store.Get(approvalId).Message is not { } posted)
        {
            Log.UpdateWithoutPost(logger, approvalId);
            await PostAsync(approval, cancellationToken);
            return;
        }

        await slack.UpdateMessageAsync(posted, builder.Build(approval), cancellationToken);
        Log.PromptUpdated(logger, approvalId, approval.Status);
    }

    private async Task PostAsync(ApprovalSnapshot approval, CancellationToken cancellationToken)
    {
        var channel = approval.Request.Settings.SlackChannel ?? options.Value.Channel!;
        var posted = await slack.PostMessageAsync(channel, builder.Build(approval), cancellationToken);
        store.SaveMessage(approval.Id, posted, RetentionFor(approval));
        Log.PromptPosted(logger, approval.Id, posted.Channel, posted.Ts);
    }

    private TimeSpan RetentionFor(ApprovalSnapshot approval) =>
        SlackMessageStore.Retention + (approval.Deadline - time.GetUtcNow()).Duration();
}
