using Hangfire.Common;
using Hangfire.States;

namespace ApprovalGateway.Slack;

/// <summary>
/// When Slack answers 429, reschedules the same job (so its continuations keep waiting) after Slack's Retry-After
/// instead of <see cref="Hangfire.AutomaticRetryAttribute"/>'s growing delays, which ignore what Slack asked.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SlackRateLimitRetryAttribute : JobFilterAttribute, IElectStateFilter
{
    private const string AttemptsParameter = "SlackRateLimitRetries";

    public int Attempts { get; set; } = 20;

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState failed || Find(failed.Exception) is not { } limited)
        {
            return;
        }

        var attempt = context.GetJobParameter<int>(AttemptsParameter, allowStale: true) + 1;
        if (attempt > Attempts)
        {
            context.CandidateState = new DeletedState { Reason = $"Slack kept rate limiting {limited.Method} after {Attempts} waits" };
            return;
        }

        context.SetJobParameter(AttemptsParameter, attempt);
        context.CandidateState = new ScheduledState(limited.RetryAfter)
        {
            Reason = $"Slack rate limited {limited.Method}: Retry-After {limited.RetryAfter.TotalSeconds:0} s (wait {attempt} of {Attempts})",
        };
    }

    private static SlackRateLimitedException? Find(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is SlackRateLimitedException limited)
            {
                return limited;
            }
        }

        return null;
    }
}
