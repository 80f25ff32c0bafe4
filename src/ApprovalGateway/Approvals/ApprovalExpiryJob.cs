using System.ComponentModel;
using Hangfire;
using Hangfire.Server;
using Hangfire.States;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Approvals;

/// <summary>
/// The Hangfire job that IS a pending approval, due at its deadline. It expires the approval even when no call
/// waits on it any more (another instance, a restart with durable storage).
/// </summary>
internal sealed class ApprovalExpiryJob(ApprovalStore store, IBackgroundJobClient jobs, TimeProvider time, ILogger<ApprovalExpiryJob> logger)
{
    [DisplayName("Approval: {0} calls {1}/{2}")]
    [AutomaticRetry(Attempts = 20, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task ExpireAsync(string agent, string upstream, string tool, PerformContext context)
    {
        var approvalId = context.BackgroundJob.Id;
        var approval = store.Get(approvalId);
        if (approval is not { Status: ApprovalStatus.Pending })
        {
            return;
        }

        var early = approval.Deadline - time.GetUtcNow();
        if (early > TimeSpan.Zero)
        {
            // Due times are stored in whole seconds, so the job can start up to a second early: wait for the deadline again.
            var again = new ScheduledState(early < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : early)
            {
                Reason = $"Ran {ApprovalText.Duration(early)} before the deadline",
            };
            jobs.ChangeState(approvalId, again, ProcessingState.StateName);
            Log.ExpiryRescheduled(logger, approvalId, early);
            return;
        }

        await store.ExpireAsync(approvalId, context.CancellationToken.ShutdownToken);
    }
}
