using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// Time-boxed grants kept in PostgreSQL across a restart answer to the policy the gateway starts with, as they answer to
/// an edit applied while it runs.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class GrantsAcrossRestartTests(ScaleOutServices services)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [ServicesFact]
    public async Task Grant_IsRevokedOnceAtStartup_WhenThePolicyWasEditedWhileTheGatewayWasStopped()
    {
        var settings = await services.AllOnPostgreSqlAsync();
        string grantId;
        await using (var before = await ScaleOutGateway.StartAsync(settings, Echo(grantMinutes: 15)))
        {
            await using var agent = await before.ConnectAsync();
            var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
            grantId = (await before.Approvals.WaitForAsync(ApprovalStatus.Pending)).Id;
            using var approver = before.Approver();
            using (var decision = await approver.DecideAsync(grantId, """{"decision":"approve","grant_minutes":15}"""))
            {
                Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
            }

            Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
            Assert.Single(await GrantsAsync(approver));
        }

        // Both instances start on the policy edited while none ran, and each reviews the grants it finds.
        var edited = Echo(grantMinutes: 0);
        var starting = await Task.WhenAll(ScaleOutGateway.StartAsync(settings, edited), ScaleOutGateway.StartAsync(settings, edited));
        await using var a = starting[0];
        await using var b = starting[1];
        await Task.WhenAll(Reviewed(a), Reviewed(b));
        using var onA = a.Approver();
        using var onB = b.Approver();

        // Before, nothing reviewed the grants at startup: the 15-minute grant stayed listed (it released no call, the
        // policy in force refusing it) until the next edit of the policy.
        Assert.Empty(await GrantsAsync(onA));
        Assert.Empty(await GrantsAsync(onB));
        var revoked = Assert.Single(await AuditAsync(settings["Gateway:Audit:ConnectionString"]!), r => r.Outcome == "grant_revoked");
        Assert.Equal(grantId, revoked.ApprovalId);
        Assert.Equal(["policy"], revoked.DecidedBy);
        Assert.EndsWith("revoked by policy: policy at startup: rule tools[\"echo\"] no longer offers time-boxed grants", revoked.Reason, StringComparison.Ordinal);
    }

    private static string Echo(int grantMinutes) => $$"""
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600, "grant_minutes": {{grantMinutes}} } } }
        }
        """;

    private static Task Reviewed(ScaleOutGateway gateway) => gateway.Services.GetRequiredService<PolicyEditGrantRevocation>().Applied.WaitAsync(Guard);

    private static async Task<JsonArray> GrantsAsync(HttpClient approver) =>
        (await approver.GetFromJsonAsync<JsonArray>(new Uri("/api/grants", UriKind.Relative)))!;

    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(string database)
    {
        await using var log = new PostgreSqlAuditLog(database, "test", NullLogger<PostgreSqlAuditLog>.Instance);
        return [.. await log.QueryAsync(new AuditQuery(), CancellationToken.None)];
    }
}
