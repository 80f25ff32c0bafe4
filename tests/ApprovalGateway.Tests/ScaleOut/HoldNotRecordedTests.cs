using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Tests.Approvals;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// The gate with the hold tracking of shared storage, on one host's InMemory storage whose holds or approvals can be
/// made unreachable: a call that cannot be held, or shown, is refused as not stored and leaves nothing behind.
/// </summary>
[Collection(HangfireCollection.Name)]
public sealed class HoldNotRecordedTests : IAsyncLifetime
{
    private readonly EventLog _endedLate = new(3022);

    private ApprovalsHost _host = null!;

    private FailingJobStorage Holds => _host.Services.GetRequiredKeyedService<FailingJobStorage>(nameof(HeldApprovals));

    private FailingSignal Signal => _host.Services.GetRequiredService<FailingSignal>();

    private FailingJobStorage Approvals => _host.Services.GetRequiredKeyedService<FailingJobStorage>(nameof(ApprovalStore));

    private IMonitoringApi Jobs => _host.Services.GetRequiredService<JobStorage>().GetMonitoringApi();

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync(services: services =>
    {
        services.AddSingleton<ILoggerProvider>(_endedLate);
        services.AddKeyedSingleton(nameof(HeldApprovals), (sp, _) => new FailingJobStorage(sp.GetRequiredService<JobStorage>()));
        services.AddKeyedSingleton(nameof(ApprovalStore), (sp, _) => new FailingJobStorage(sp.GetRequiredService<JobStorage>()));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<HeldApprovals>(sp, sp.GetRequiredKeyedService<FailingJobStorage>(nameof(HeldApprovals))));
        services.Replace(ServiceDescriptor.Singleton(sp =>
            ActivatorUtilities.CreateInstance<ApprovalStore>(sp, sp.GetRequiredKeyedService<FailingJobStorage>(nameof(ApprovalStore)))));
        services.AddSingleton(sp => new FailingSignal(new HoldTrackingApprovalSignal(new InProcessApprovalSignal(), sp.GetRequiredService<HeldApprovals>())));
        services.Replace(ServiceDescriptor.Singleton<IApprovalSignal>(sp => sp.GetRequiredService<FailingSignal>()));
    });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task RequestAsync_RefusesAsNotStoredAndShowsNothing_WhenTheHoldCannotBeRecorded()
    {
        Holds.GoDown();

        var waiting = _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);
        var shown = _host.Observer.WaitForAsync(ApprovalStatus.Pending);

        // Before, the call waited anyway, shown to approvers with no hold a survivor could withdraw it by.
        Assert.Same(waiting, await Task.WhenAny(waiting, shown));
        var outcome = await waiting;
        Assert.Equal(DecisionKind.Withdrawn, outcome.Kind);
        Assert.Equal(ApprovalText.NotStoredReason, outcome.Reason);
        Assert.Empty(_host.Observer.Seen);
        Assert.Empty(_host.Decisions.List(null));

        // Nor does its expiry job bring it into the history at its deadline.
        Assert.Equal(0, Jobs.ScheduledCount());

        // The refusal names the approval stored for it (before, none), so its record can be matched with the dashboard's.
        Assert.Equal(Assert.Single(Jobs.DeletedJobs(0, 10)).Key, outcome.ApprovalId);
    }

    [Fact]
    public async Task RequestAsync_ReleasesTheHoldAndEndsTheApproval_WhenShowingItFails()
    {
        // The store's first connection of its own is the one that shows the approval: it is created and held by then.
        Approvals.FailNextConnection();

        var outcome = await _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);

        Assert.Equal(DecisionKind.Withdrawn, outcome.Kind);
        Assert.Equal(ApprovalText.NotStoredReason, outcome.Reason);
        Assert.Empty(_host.Decisions.List(null));

        // No hold is left that would have a survivor withdraw, and record a second time, a call already answered.
        Assert.Empty(_host.Services.GetRequiredService<HeldApprovals>().ReadAll());

        // The approval, created but never shown, is ended for good: its expiry job will not expire it into the history.
        Assert.Equal(0, Jobs.ScheduledCount());
        var deleted = Assert.Single(Jobs.DeletedJobs(0, 10));
        var ended = _host.Decisions.Get(deleted.Key)!;
        Assert.Equal(ApprovalStatus.Withdrawn, ended.Status);
        Assert.True(ended.OutcomeRecorded);
        Assert.Equal(deleted.Key, outcome.ApprovalId);
    }

    [Fact]
    public async Task RequestAsync_EndsTheApprovalOnceStorageAnswersAgain_WhenCleaningUpFailedToo()
    {
        // Storage down for the hold and for the clean-up after it alike, as one database is.
        Holds.GoDown();
        Approvals.GoDown();

        var outcome = await _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);

        Assert.Equal(ApprovalText.NotStoredReason, outcome.Reason);
        Assert.Equal(1, Jobs.ScheduledCount());

        // Before, it stayed pending until its deadline once storage was back, for a call already refused.
        Approvals.ComeBack();
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        await _endedLate.Logged.WaitAsync(TimeSpan.FromSeconds(30));

        var ended = _host.Decisions.Get(outcome.ApprovalId)!;
        Assert.Equal(ApprovalStatus.Withdrawn, ended.Status);
        Assert.Equal(ApprovalText.NotStoredReason, ended.Reason);
        // Marked recorded without a record of its own: the call's refusal stays its one audit record.
        Assert.True(ended.OutcomeRecorded);
        Assert.Equal(0, Jobs.ScheduledCount());
        Assert.Empty(_host.Decisions.List(null));
    }

    [Fact]
    public async Task RequestAsync_WithdrawsTheApprovalForThoseShownIt_WhenShowingItFailsAfterTheyWere()
    {
        // Showing fails at its last step, telling the other instances: this instance's observers (pages, Slack) have it.
        Signal.FailNextPublish();

        var outcome = await _host.Gate.RequestAsync(ApprovalsHost.Request(), null, CancellationToken.None);

        Assert.Equal(ApprovalText.NotStoredReason, outcome.Reason);
        var shown = await _host.Observer.WaitForAsync(ApprovalStatus.Pending, outcome.ApprovalId);

        // Before, they were not told: the page kept offering Approve, and the Slack prompt its buttons, for a refused call.
        var withdrawn = await _host.Observer.WaitForAsync(ApprovalStatus.Withdrawn, shown.Id);
        Assert.Equal(ApprovalText.NotStoredReason, withdrawn.Reason);
        // Marked recorded as it is withdrawn: the call's refusal stays its one audit record.
        Assert.True(withdrawn.OutcomeRecorded);
        Assert.True(_host.Decisions.Get(shown.Id)!.OutcomeRecorded);
        Assert.Empty(_host.Decisions.List(ApprovalStatus.Pending));
        Assert.Empty(_host.Services.GetRequiredService<HeldApprovals>().ReadAll());
        Assert.Equal(0, Jobs.ScheduledCount());
    }

    /// <summary>The gate's signal, whose next publish can be made to fail, as a channel to other instances might.</summary>
    private sealed class FailingSignal(IApprovalSignal inner) : IApprovalSignal
    {
        private int _failNext;

        public void FailNextPublish() => Volatile.Write(ref _failNext, 1);

        public void Publish(string approvalId)
        {
            inner.Publish(approvalId);
            if (Interlocked.Exchange(ref _failNext, 0) == 1)
            {
                throw new InvalidOperationException("Signal channel unreachable (made so by the test)");
            }
        }

        public IDisposable Subscribe(string approvalId, Action onSignal) => inner.Subscribe(approvalId, onSignal);

        public void Abandon(string approvalId) => inner.Abandon(approvalId);
    }
}
