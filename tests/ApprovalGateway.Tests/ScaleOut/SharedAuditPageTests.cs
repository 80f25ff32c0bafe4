using ApprovalGateway.Web;
using Microsoft.AspNetCore.SignalR.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// With the audit log in the shared table, an approver watching the Audit tab on one instance is offered the calls every
/// instance records, as they happen.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class SharedAuditPageTests(ScaleOutServices services)
{
    private const string Policy = """{ "version": "1", "default": "allow" }""";

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallRecordedOnB_IsOfferedToTheAuditTabOfAPageOnA(bool redis)
    {
        var audit = await services.CreateDatabaseAsync();
        await using var pair = await ScaleOutPair.StartAsync(services, redis, Policy, new Dictionary<string, string?>
        {
            ["Gateway:Audit:Sink"] = "PostgreSql",
            ["Gateway:Audit:ConnectionString"] = audit,
        });
        await using var page = pair.A.Hub();
        TaskCompletionSource? waiting = null;
        page.On(ApprovalsHub.AuditAppendedMethod, () => Volatile.Read(ref waiting)?.TrySetResult());
        await page.StartAsync();
        await using var agent = await pair.B.ConnectAsync();

        await agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "recorded on B" });

        // The record is written before B answers: a push from here on is about it, as A records nothing meanwhile.
        var pushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref waiting, pushed);

        // Before, without Redis, the page on A heard nothing: its Audit tab never offered B's calls until reloaded.
        await pushed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using var api = pair.A.Approver();
        Assert.Contains("recorded on B", await api.GetStringAsync(new Uri("/api/audit?tool=echo", UriKind.Relative)), StringComparison.Ordinal);
    }
}
