using ApprovalGateway.Approvals;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>
/// Turns approval changes into Slack jobs: a post for a new approval, then updates chained to that post
/// (<see cref="IBackgroundJobClient.ContinueJobWith"/>) so an update never overtakes the message it edits. A job that
/// cannot be queued (shared storage out of reach) is queued again, with the approval as it then stands, until it is.
/// </summary>
internal sealed class SlackApprovalObserver(
    IBackgroundJobClient jobs,
    SlackMessageStore store,
    IApprovalDecisions approvals,
    IOptions<SlackOptions> options,
    TimeProvider time,
    SlackShutdownUpdates shutdownUpdates,
    IHostApplicationLifetime lifetime,
    ILogger<SlackApprovalObserver> logger) : IApprovalObserver
{
    private const string SlackChannelName = "slack";

    private static readonly TimeSpan FirstRequeueDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRequeueDelay = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly Dictionary<string, string> postJobs = new(StringComparer.Ordinal);

    // Approvals whose Slack job waits to be queued again, and whether a change failed to queue since the last try.
    private readonly Dictionary<string, bool> requeueing = new(StringComparer.Ordinal);

    public void OnChanged(ApprovalSnapshot approval)
    {
        if (!options.Value.IsEnabled
            || !approval.Request.Settings.Channels.Contains(SlackChannelName, StringComparer.OrdinalIgnoreCase))
        {
            return;
        }

        try
        {
            Queue(approval);
        }
        catch (Exception ex)
        {
            // Dropped, the prompt would never be posted or brought up to date: approvers in Slack would not hear of it.
            Log.ObserverFailed(logger, ex, approval.Id);
            QueueLater(approval.Id);
        }
    }

    /// <summary>Queues the post or the update the change calls for; false when it calls for none.</summary>
    private bool Queue(ApprovalSnapshot approval)
    {
        var (postJobId, isNew) = FindOrQueuePost(approval);
        if (postJobId is null)
        {
            return false;
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

        return true;
    }

    /// <summary>
    /// One retry loop per approval. It reads the approval afresh each time, so it covers every change since; one that
    /// fails to queue while the loop runs sends it round once more.
    /// </summary>
    private void QueueLater(string approvalId)
    {
        lock (gate)
        {
            if (requeueing.ContainsKey(approvalId))
            {
                requeueing[approvalId] = true;
                return;
            }

            requeueing[approvalId] = false;
        }

        _ = Task.Run(() => QueueLaterAsync(approvalId));
    }

    private async Task QueueLaterAsync(string approvalId)
    {
        var stopping = lifetime.ApplicationStopping;
        var delay = FirstRequeueDelay;
        try
        {
            while (true)
            {
                await Task.Delay(delay, time, stopping);
                lock (gate)
                {
                    requeueing[approvalId] = false;
                }

                try
                {
                    // Gone, or ended without a prompt to edit: nothing to queue, and that is the end of it too.
                    if (approvals.Get(approvalId) is { } current && Queue(current))
                    {
                        Log.PromptJobQueuedLate(logger, approvalId);
                    }

                    lock (gate)
                    {
                        if (!requeueing[approvalId])
                        {
                            requeueing.Remove(approvalId);
                            return;
                        }
                    }

                    delay = FirstRequeueDelay;
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRequeueDelay.Ticks));
                    Log.PromptJobStillNotQueued(logger, approvalId, delay.TotalSeconds, ex.Message);
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // This instance's calls end as it stops; the prompt stays as it was last queued.
            lock (gate)
            {
                requeueing.Remove(approvalId);
            }
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
