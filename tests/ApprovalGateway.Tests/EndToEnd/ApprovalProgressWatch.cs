using ModelContextProtocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>The agent's progress handler: keeps every notification and signals the first.</summary>
internal sealed class ApprovalProgressWatch : IProgress<ProgressNotificationValue>
{
    private readonly TaskCompletionSource<ProgressNotificationValue> first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ProgressNotificationValue> First => first.Task.WaitAsync(TimeSpan.FromSeconds(20));

    public void Report(ProgressNotificationValue value) => first.TrySetResult(value);
}
