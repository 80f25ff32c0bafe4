using ApprovalGateway.Approvals;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Wakes waiters in this process at once and, through the transport, waiters on every other instance. A lost
/// message only delays a waiter until the next signal, because waiters re-read the stored approval on each one;
/// while the channel is down they are woken every <see cref="ReadIntervalWhileDown"/>, and after a reconnection
/// once more, covering messages missed meanwhile.
/// The same channel carries sign-outs (<see cref="CrossInstanceSignOut"/>), as <c>signed-out/{approver}</c> where an
/// approval id would be (no approval id starts so), and, without Redis, word that audit records were written to the
/// shared table (<see cref="SharedAuditPagePush"/>), as <c>audit-appended:{instance}</c>: with no <c>/</c> in it, an
/// instance of an earlier version passes it over rather than look up an approval of that id.
/// </summary>
/// <remarks>
/// An instance cut off from the channel while the others are not (its own network path to Redis) cannot tell them
/// about decisions and sign-outs made on it: a call held elsewhere and approved here waited for its deadline. So once
/// its channel is back, an instance that failed to publish sends one <c>missed</c> message, and every other instance
/// wakes its waiters and reloads its pages as it does on its own reconnection.
/// </remarks>
internal sealed class CrossInstanceApprovalSignal(
    IApprovalSignalTransport transport,
    TimeProvider time,
    ILogger<CrossInstanceApprovalSignal> logger) : BackgroundService, IApprovalSignal
{
    /// <summary>
    /// How long start-up waits for the channel before the instance takes requests without it. Pages that connect
    /// before it is up are reloaded once it is (<see cref="MayHaveMissed"/>); waiting spares them that in the usual case.
    /// </summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often, while the channel is down, every waiter here reads its approval again: a decision made on another
    /// instance meanwhile cannot reach it as a message, and the call would wait for the channel however long it took,
    /// its own deadline past. Reads cost the shared storage one query per held call.
    /// </summary>
    public static readonly TimeSpan ReadIntervalWhileDown = TimeSpan.FromSeconds(2);

    private const char Separator = '/';

    private const string SignedOutPrefix = "signed-out/";

    private const string Missed = "missed";

    private const string AuditAppendedPrefix = "audit-appended:";

    private readonly InProcessApprovalSignal _local = new();
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly TaskCompletionSource _connectedOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private int _publishFailed;
    private ITimer? _readWhileDown;

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
    /// Raised each time this instance may have missed messages: its channel is established or re-established
    /// (whatever other instances sent while it was not listening is lost: sign-outs, and over Redis the backplane's
    /// pushes to pages), or another instance's channel is back after it could not publish on it.
    /// </summary>
    public event Action? MayHaveMissed;

    /// <summary>Raised when another instance wrote audit records (see <see cref="PublishAuditAppendedAsync"/>).</summary>
    public event Action? AuditAppendedElsewhere;

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

    public override void Dispose()
    {
        StopReadingWhileDown();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        transport.ListenAsync(Receive, OnConnected, OnDisconnected, stoppingToken);

    private void OnConnected()
    {
        StopReadingWhileDown();
        Resynchronise();
        _connectedOnce.TrySetResult();
        if (Interlocked.Exchange(ref _publishFailed, 0) == 1)
        {
            _ = PublishMissedAsync();
        }
    }

    private void OnDisconnected()
    {
        lock (_gate)
        {
            _readWhileDown ??= time.CreateTimer(_ => _local.PublishAll(), null, ReadIntervalWhileDown, ReadIntervalWhileDown);
        }
    }

    private void StopReadingWhileDown()
    {
        lock (_gate)
        {
            _readWhileDown?.Dispose();
            _readWhileDown = null;
        }
    }

    private void Resynchronise()
    {
        _local.PublishAll();
        MayHaveMissed?.Invoke();
    }

    private async Task PublishRemoteAsync(string approvalId)
    {
        try
        {
            await transport.PublishAsync($"{_instance}{Separator}{approvalId}", CancellationToken.None);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _publishFailed, 1);
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
            Volatile.Write(ref _publishFailed, 1);
            Log.SignOutPublishFailed(logger, ex, approver);
        }
    }

    /// <summary>Tells the other instances that audit records were written here; throws when it could not.</summary>
    public async Task PublishAuditAppendedAsync()
    {
        try
        {
            await transport.PublishAsync(AuditAppendedPrefix + _instance, CancellationToken.None);
        }
        catch
        {
            // Their pages then read again once this instance's channel is back, the records missed meanwhile included.
            Volatile.Write(ref _publishFailed, 1);
            throw;
        }
    }

    private async Task PublishMissedAsync()
    {
        try
        {
            await transport.PublishAsync($"{_instance}{Separator}{Missed}", CancellationToken.None);
            Log.MissedPublished(logger);
        }
        catch (Exception ex)
        {
            // The next reconnection tries again.
            Volatile.Write(ref _publishFailed, 1);
            Log.MissedPublishFailed(logger, ex);
        }
    }

    private void Receive(string message)
    {
        if (message.StartsWith(AuditAppendedPrefix, StringComparison.Ordinal))
        {
            if (!message.AsSpan(AuditAppendedPrefix.Length).SequenceEqual(_instance))
            {
                AuditAppendedElsewhere?.Invoke();
            }

            return;
        }

        var split = message.IndexOf(Separator, StringComparison.Ordinal);
        if (split <= 0 || message.AsSpan(0, split).SequenceEqual(_instance))
        {
            return;
        }

        var approvalId = message[(split + 1)..];
        if (approvalId == Missed)
        {
            Resynchronise();
            return;
        }

        if (approvalId.StartsWith(SignedOutPrefix, StringComparison.Ordinal))
        {
            SignedOutElsewhere?.Invoke(approvalId[SignedOutPrefix.Length..]);
            return;
        }

        _local.Publish(approvalId);
        ChangedElsewhere?.Invoke(approvalId);
    }
}
