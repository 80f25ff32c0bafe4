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

    /// <summary>How far before the first attempt the channel is searched: this instance's clock may run ahead of Slack's.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

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
        var state = store.Get(approvalId);
        if (state.Message is { } posted)
        {
            Log.PromptAlreadyPosted(logger, approvalId, posted.Ts);
            return;
        }

        if (approvals.Get(approvalId) is not { } approval)
        {
            Log.ApprovalGone(logger, approvalId);
            return;
        }

        await PostAsync(approval, state, cancellationToken);
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

        var state = store.Get(approvalId);
        if (state.Message is not { } posted)
        {
            Log.UpdateWithoutPost(logger, approvalId);
            await PostAsync(approval, state, cancellationToken);
            return;
        }

        await slack.UpdateMessageAsync(posted, builder.Build(approval), cancellationToken);
        Log.PromptUpdated(logger, approvalId, approval.Status);
    }

    /// <summary>
    /// Posts the prompt, unless an earlier attempt already did: Slack has no idempotency key, so an attempt whose
    /// answer was lost is looked for in the channel by its tag before the message is posted again.
    /// </summary>
    private async Task PostAsync(ApprovalSnapshot approval, SlackPromptState state, CancellationToken cancellationToken)
    {
        var channel = approval.Request.Settings.SlackChannel ?? options.Value.Channel!;
        var tag = new SlackPromptTag(approval.Id);
        var message = builder.Build(approval);
        if (state.PostStartedAt is { } started
            && await FindEarlierPostAsync(channel, started, tag, cancellationToken) is { } earlier)
        {
            // Saved first: the earlier post is the prompt now, whatever becomes of this update.
            store.SaveMessage(approval.Id, earlier, RetentionFor(approval));
            Log.EarlierPromptFound(logger, approval.Id, earlier.Channel, earlier.Ts);
            await slack.UpdateMessageAsync(earlier, message, cancellationToken);
            return;
        }

        if (state.PostStartedAt is null)
        {
            store.SavePostStarted(approval.Id, time.GetUtcNow(), RetentionFor(approval));
        }

        var posted = await slack.PostMessageAsync(channel, message, tag, cancellationToken);
        store.SaveMessage(approval.Id, posted, RetentionFor(approval));
        Log.PromptPosted(logger, approval.Id, posted.Channel, posted.Ts);
    }

    /// <summary>
    /// Slack's answer to a lookup decides; a lookup Slack refuses (no <c>channels:history</c> scope, a channel given by
    /// name) posts again, since a prompt shown twice is better than none. Network failures and rate limits retry the job.
    /// </summary>
    private async Task<SlackMessageRef?> FindEarlierPostAsync(string channel, DateTimeOffset started, SlackPromptTag tag, CancellationToken cancellationToken)
    {
        try
        {
            return await slack.FindTaggedMessageAsync(channel, started - ClockSkew, tag, cancellationToken);
        }
        catch (SlackApiException ex)
        {
            Log.EarlierPromptUnknown(logger, tag.ApprovalId, channel, ex.Error);
            return null;
        }
    }

    private TimeSpan RetentionFor(ApprovalSnapshot approval) =>
        SlackMessageStore.Retention + (approval.Deadline - time.GetUtcNow()).Duration();
}
