using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Web;
using Microsoft.AspNetCore.SignalR.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>An instance that dies with calls held must not leave approvers deciding calls that can no longer run.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed class InstanceLossTests(ScaleOutServices services)
{
    private const string HoldEcho = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600 } } }
        }
        """;

    [ServicesFact]
    public async Task HeldApproval_IsWithdrawnBySurvivor_WhenItsInstanceIsKilled()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
            ["Redis:ConnectionString"] = services.RedisConnectionString,
            ["ScaleOut:HeartbeatInterval"] = "00:00:00.200",
            ["ScaleOut:InstanceTimeout"] = "00:00:01",
        };
        await using var survivor = await ScaleOutGateway.StartAsync(settings, HoldEcho);
        await using var page = survivor.Hub();
        var pending = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.On<JsonElement>(ApprovalsHub.ApprovalChangedMethod, message =>
        {
            if (message.GetProperty("status").GetString() == "pending")
            {
                pending.TrySetResult(message.GetProperty("id").GetString()!);
            }
        });
        await page.StartAsync();
        await using var doomed = await GatewayProcess.StartAsync(settings, HoldEcho);
        await using var agent = await doomed.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var id = await pending.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await doomed.KillAsync();
        var withdrawn = await survivor.Approvals.WaitForAsync(ApprovalStatus.Withdrawn, id);

        Assert.Equal(OrphanedApprovalReaper.InstanceStoppedReason, withdrawn.Reason);
        using var api = survivor.Approver();
        using var stored = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/approvals/{id}", UriKind.Relative)));
        Assert.Equal("withdrawn", stored.RootElement.GetProperty("status").GetString());
    }
}
