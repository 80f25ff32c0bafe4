using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Evaluation;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.Tests.Approvals;

[Collection(HangfireCollection.Name)]
public sealed class ApprovalExpiryJobTests : IAsyncLifetime
{
    private ApprovalsHost _host = null!;

    public async Task InitializeAsync() => _host = await ApprovalsHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ExpiryJob_ExpiresApproval_WhenNoCallWaitsAndDeadlinePassed()
    {
        var store = _host.Services.GetRequiredService<ApprovalStore>();
        var created = store.Create(ApprovalsHost.Request(ApprovalSettings.Default with { Timeout = TimeSpan.FromSeconds(1) }));

        _host.Time.Advance(TimeSpan.FromSeconds(2));
        var expired = await _host.Observer.WaitForAsync(ApprovalStatus.Expired, created.Id);

        Assert.Equal("No decision within 1s", expired.Reason);
        var job = _host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().JobDetails(created.Id);
        Assert.Equal("Expired", job.History[0].StateName);
    }

    [Fact]
    public void Create_SchedulesTheApprovalAsHangfireJob_WithApprovalDataInParameters()
    {
        var store = _host.Services.GetRequiredService<ApprovalStore>();
        var created = store.Create(ApprovalsHost.Request());

        var job = _host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().JobDetails(created.Id);

        Assert.Equal("Scheduled", job.History[0].StateName);
        Assert.Contains("approval", job.Properties.Keys);
        Assert.Equal(ApprovalStatus.Pending, _host.Decisions.Get(created.Id)!.Status);
    }
}
