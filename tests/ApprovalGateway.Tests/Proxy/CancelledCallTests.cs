using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>An agent that cancels a held call with <c>notifications/cancelled</c> withdraws it, and its reason is kept.</summary>
public sealed class CancelledCallTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HeldCall_CancelledByTheAgent_IsWithdrawnWithTheReasonTheAgentGave()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var call = agent.Call("tools/call", new JsonObject { ["name"] = CancelTwap, ["arguments"] = new JsonObject { ["algoId"] = 123 } });
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap);

        // A client's timeout is the usual reason; said on two lines and with a hidden character, it is kept as one visible line.
        await agent.CancelAsync(call, "Request timed out after 60000 ms\n(the user\u202E pressed stop)");

        const string Expected = "The agent cancelled the call: Request timed out after 60000 ms (the user\\u202E pressed stop)";
        var withdrawn = await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Withdrawn);
        Assert.Equal(Expected, withdrawn.Reason);
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id, $"the record of approval {held.Id}").WaitAsync(Patience);
        Assert.Equal(("withdrawn", Expected), (record.Outcome, record.Reason));
    }
}
