using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Approvals;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Survivors racing to write a dead instance's missing record write it once between them.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class OutcomeRecordRaceTests(ScaleOutServices services)
{
    private const string Policy = """{ "version": "1", "default": "allow" }""";

    [ServicesFact]
    public async Task RecordOutcome_WritesOnce_WhenTwoInstancesRaceOnOneEndedApproval()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
        };
        await using var a = await ScaleOutGateway.StartAsync(settings, Policy);
        await using var b = await ScaleOutGateway.StartAsync(settings, Policy);
        ApprovalStore[] stores = [a.Services.GetRequiredService<ApprovalStore>(), b.Services.GetRequiredService<ApprovalStore>()];
        var created = stores[0].Create(ApprovalsHost.Request());
        await stores[0].UpdateAsync(created.Id, approval => ApprovalStore.Expired(approval, DateTimeOffset.UtcNow), CancellationToken.None);

        var records = 0;
        var racers = Enumerable.Range(0, 8).Select(i => Task.Run(() => stores[i % 2].RecordOutcomeAsync(
            created.Id,
            approval => approval,
            async (_, _) =>
            {
                Interlocked.Increment(ref records);

                // Gives the others every chance to slip in while this record is being written.
                await Task.Yield();
                return true;
            },
            CancellationToken.None)));
        var results = await Task.WhenAll(racers);

        Assert.Equal(1, records);
        Assert.Single(results, r => r.Written);
        Assert.All(results, r => Assert.True(r.Approval?.OutcomeRecorded));
        Assert.True(stores[1].Get(created.Id)?.OutcomeRecorded);
    }
}
