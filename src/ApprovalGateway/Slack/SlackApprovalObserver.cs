using ApprovalGateway.Approvals;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>
/// Turns approval changes into Slack jobs: a post for a new approval, then updates chained to that post
/// (<see cref="IBackgroundJobClient.ContinueJobWith"/>) so an update never overtakes the message it edits.
/// </summary>
internal sealed class SlackApprovalObserver(
    IBackgroundJobClient jobs,
    SlackMessageStore store,
    IOptions<SlackOptions> options,
    TimeProvider time,
    SlackShutdownUpdates shutdownUpdates,
    IHostApplicationLifetime lifetime,
    ILogger<SlackApprovalObserver> logger) : IApprovalObserver
{
    private const string SlackChannelName = "slack";

    private readonly Lock gate = new();
    private readonly Dictionary<string, string> postJobs = new(StringComparer.Ordinal);

    public void OnChanged(ApprovalSnapshot approval)
    {
        if (!options.Value.IsEnabled
            || !approval.Request.Settings.Channels.Contains(SlackChannelName, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            var (postJobId, isNew) = FindOrQueuePost(approval);
            if (postJobId is null)
            {
                return;
            }

            if (!isNew)
            {
                jobs.ContinueJobWith<SlackPromptJobs>(
                    postJobId,
                    j => j.UpdatePromptAsync(approval.Id, CancellationToken.None),
                    new EnqueuedState(),
                    JobContinuationOptions.OnAnyFinishedState);

                // The job stays queued for an instance that outlives this one; this one's server takes no more jobs.
                if (lifetime.ApplicationStopping.IsCancellationRequested)
                {
                    shutdownUpdates.Update(approval.Id);
                }
            }

            if (approval.Status != ApprovalStatus.Pending)
            {
                lock (gate)
                {
                    postJobs.Remove(approval.Id);
                }
            }
        }
        catch (Exception ex)
        {
            Log.ObserverFailed(logger, ex, approval.Id);
        }
    }

    private (string? PostJobId, bool IsNew) FindOrQueuePost(ApprovalSnapshot approval)
    {
        lock (gate)
        {
            if (postJobs.TryGetValue(approval.Id, out var known))
            {
                return (known, false);
            }

            // Another instance, or this one before a restart, may have posted already: storage knows.
            if (store.Get(approval.Id).PostJobId is { } stored)
            {
                postJobs[approval.Id] = stored;
                return (stored, false);
            }

            // A resolution we never prompted for (e.g. resolved before Slack was configured) has nothing to edit.
            if (approval.Status != ApprovalStatus.Pending)
            {
                return (null, false);
            }

            var jobId = jobs.Enqueue<SlackPromptJobs>(j => j.PostPromptAsync(approval.Id, CancellationToken.None));
            postJobs[approval.Id] = jobId;
            store.SavePostJobId(approval.Id, jobId, SlackMessageStore.Retention + (approval.Deadline - time.GetUtcNow()).Duration());
            return (jobId, true);
        }
    }
}
