using ApprovalGateway.Approvals;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Wakes waiters in this process at once and, through the transport, waiters on every other instance. A lost
/// message only delays a waiter until the next signal, because waiters re-read the stored approval on each one;
/// after a reconnection every local waiter is woken to re-read, covering messages missed while disconnected.
/// The same channel carries sign-outs (<see cref="CrossInstanceSignOut"/>), as <c>signed-out/{approver}</c> where an
/// approval id would be: no approval id starts so.
/// </summary>
internal sealed class CrossInstanceApprovalSignal(
    IApprovalSignalTransport transport,
    TimeProvider time,
    ILogger<CrossInstanceApprovalSignal> logger) : BackgroundService, IApprovalSignal
{
    /// <summary>
    /// How long start-up waits for the channel before the instance takes requests without it. Pages that connect
    /// before it is up are reloaded once it is (<see cref="Connected"/>); waiting spares them that in the usual case.
    /// </summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    private const char Separator = '/';

    private const string SignedOutPrefix = "signed-out/";

    private readonly InProcessApprovalSignal _local = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly TaskCompletionSource _connectedOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Publish(string approvalId)
    {
        _local.Publish(approvalId);
        _ = PublishRemoteAsync(approvalId);
    }

    public IDisposable Subscribe(string approvalId, Action onSignal) => _local.Subscribe(approvalId, onSignal);

    /// <summary>Raised with the approval's id when another instance created or changed it.</summary>
    public event Action<string>? ChangedElsewhere;

    /// <summary>Raised with the approver's name when they signed out on another instance.</summary>
    public event Action<string>? SignedOutElsewhere;

    /// <summary>
    /// Raised each time the channel is established or re-established. Whatever other instances sent while this one
    /// was not listening is lost: sign-outs, and (over Redis) the backplane's pushes to pages.
    /// </summary>
    public event Action? Connected;

    /// <summary>Tells the other instances that <paramref name="approver"/> signed out here.</summary>
    public void PublishSignedOut(string approver) => _ = PublishSignedOutAsync(approver);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        try
        {
            await _connectedOnce.Task.WaitAsync(StartWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            Log.ChannelNotYetConnected(logger, StartWait);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        transport.ListenAsync(Receive, OnConnected, stoppingToken);

    private void OnConnected()
    {
        _local.PublishAll();
        Connected?.Invoke();
        _connectedOnce.TrySetResult();
    }

    private async Task PublishRemoteAsync(string approvalId)
    {
        try
        {
            await transport.PublishAsync($"{_instance}{Separator}{approvalId}", CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.SignalPublishFailed(logger, ex, approvalId);
        }
    }

    private async Task PublishSignedOutAsync(string approver)
    {
        try
        {
            await transport.PublishAsync($"{_instance}{Separator}{SignedOutPrefix}{approver}", CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.SignOutPublishFailed(logger, ex, approver);
        }
    }

    private void Receive(string message)
    {
        var split = message.IndexOf(Separator, StringComparison.Ordinal);
        if (split <= 0 || message.AsSpan(0, split).SequenceEqual(_instance))
        {
            return;
        }

        var approvalId = message[(split + 1)..];
        if (approvalId.StartsWith(SignedOutPrefix, StringComparison.Ordinal))
        {
            SignedOutElsewhere?.Invoke(approvalId[SignedOutPrefix.Length..]);
            return;
        }

        _local.Publish(approvalId);
        ChangedElsewhere?.Invoke(approvalId);
    }
}
