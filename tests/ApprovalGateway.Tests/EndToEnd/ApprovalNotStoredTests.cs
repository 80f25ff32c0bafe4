using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.ScaleOut;
using Hangfire;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>A held call refused as not stored after its approval may already have been shown to approvers.</summary>
public sealed class ApprovalNotStoredTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HeldCall_IsWithdrawnOnTheOpenPage_WithOneAuditRecord_WhenStorageFailedAfterListingItPending()
    {
        await using var gateway = await WebGateway.StartAsync(configure: builder =>
        {
            builder.Services.AddSingleton(sp => new FailingJobStorage(sp.GetRequiredService<JobStorage>()));
            builder.Services.Replace(ServiceDescriptor.Singleton(sp =>
                ActivatorUtilities.CreateInstance<ApprovalStore>(sp, sp.GetRequiredService<FailingJobStorage>())));
        });
        await using var page = GatewayProcessClients.Hub(gateway.Host.BaseAddress, WebGateway.AliceToken);
        var watch = PageWatch.On(page);
        await page.StartAsync();
        await using var agent = await gateway.ConnectAgentAsync();

        // The store's next connection is the one that lists the approval pending: the database applies that write, and
        // the connection drops before it answers. The call is refused, though a page may have fetched the approval.
        gateway.Host.Services.GetRequiredService<FailingJobStorage>().LoseNextCommitAnswer();
        var result = await agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(1)).AsTask().WaitAsync(Guard);

        Assert.True(result.IsError);
        Assert.Contains(ApprovalText.NotStoredReason, string.Join(' ', result.Content.OfType<TextContentBlock>().Select(t => t.Text)), StringComparison.Ordinal);

        // Before, nobody was told: a page that showed it kept offering Approve for a call already refused.
        var withdrawn = await watch.Withdrawn.WaitAsync(Guard);
        Assert.Equal(ApprovalText.NotStoredReason, withdrawn.GetProperty("reason").GetString());

        // The call's refusal stays its one record, naming the approval the page was told of.
        var record = Assert.Single(gateway.Audit.Recent(100), r => r.Tool == WebGateway.CancelTwap);
        Assert.Equal(("withdrawn", ApprovalText.NotStoredReason), (record.Outcome, record.Reason));
        Assert.Equal(withdrawn.GetProperty("id").GetString(), record.ApprovalId);

        // A page opened later finds it in the history, withdrawn, not pending.
        using var api = gateway.WithBearer(WebGateway.AliceToken);
        using var pending = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/approvals?status=pending", UriKind.Relative)));
        Assert.Empty(pending.RootElement.EnumerateArray());
        using var all = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/approvals", UriKind.Relative)));
        var listed = Assert.Single(all.RootElement.EnumerateArray());
        Assert.Equal(("withdrawn", ApprovalText.NotStoredReason), (listed.GetProperty("status").GetString(), listed.GetProperty("reason").GetString()));
    }
}
