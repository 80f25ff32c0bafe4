namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>What a live page's hub connection was told of a held call, for tests that stop an instance under it.</summary>
internal sealed class PageWatch
{
    public TaskCompletionSource<string> Pending { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<string> Withdrawn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
