using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// Streamable HTTP streams that drop can be resumed with <c>Last-Event-ID</c>: the agent's notification stream, and
/// the answer stream of a call held for approval, whose decision reaches the agent when it comes back.
/// </summary>
public sealed class ResumptionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetStream_DroppedAndResumedWithLastEventId_StillGetsToolListChanged_AfterAPolicyEdit()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio());
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
        var listening = agent.Listen();
        var primed = await listening.FirstEventId.WaitAsync(Patience);

        await listening.DropAsync();
        // Sent while the agent is away: kept for it.
        await EditPolicyAsync(gateway, """{ "version": "1", "default": "allow", "hide": ["BinanceTickerPrice"] }""");
        var resumed = agent.Listen(primed);
        var missed = await resumed.NextAsync(IsToolListChanged).WaitAsync(Patience);
        await EditPolicyAsync(gateway, """{ "version": "1", "default": "allow" }""");
        var later = await resumed.NextAsync(IsToolListChanged).WaitAsync(Patience);

        // Before, the stream had no event ids to resume from, and a second GET was refused for the rest of the
        // session (400 "does not support multiple GET requests"): the agent never heard of a policy edit again.
        Assert.Equal(HttpStatusCode.OK, await resumed.Status);
        Assert.NotNull(missed);
        Assert.NotNull(later);
    }

    [Fact]
    public async Task HeldCall_WhosePostDrops_IsStillHeld_AndItsResultReachesTheAgentWhenItResumes()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);
        var primed = await call.FirstEventId;

        await call.DropAsync();
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var resumed = agent.Listen(call.LastEventId ?? primed);
        var answer = await resumed.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(Patience);

        // Before, the dropped POST withdrew the call at once: the approver could no longer approve it, and the agent,
        // with no event id to resume from, never learned what became of it.
        Assert.Null(answer["error"]);
        Assert.NotEqual(true, (bool?)answer["result"]?["isError"]);
        Assert.Equal(ApprovalStatus.Approved, (await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Approved)).Status);
        var record = Assert.Single(scenario.AuditOf(CancelTwap), r => r.Outcome != "forwarding");
        Assert.Equal("forwarded", record.Outcome);
    }

    [Fact]
    public async Task AnsweredCall_ResumedFromItsAnswer_IsRefusedWith405_AndFromBeforeItStillGetsTheAnswer()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio());
        await using var agent = await RawHttpAgent.ConnectAsync(gateway.McpEndpoint, "{}");
        var call = agent.Call("tools/call", new JsonObject { ["name"] = "NoSuchTool", ["arguments"] = new JsonObject() });
        var primed = await call.FirstEventId.WaitAsync(Patience);
        var error = await call.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(Patience);

        // As the TypeScript SDK's client (1.x) does, taking a JSON-RPC error for no answer.
        var fromAnswer = agent.Listen(call.LastEventId);
        var fromBefore = agent.Listen(primed);
        var replayed = await fromBefore.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(Patience);

        // Before, it was a 200 stream that replayed nothing and closed, which sends that client on to a GET of its
        // own, refused with 400 while the session's GET stream is open, and retried: errors its host shows.
        Assert.Equal(-32602, (int?)error["error"]?["code"]);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, await fromAnswer.Status.WaitAsync(Patience));
        Assert.Equal(HttpStatusCode.OK, await fromBefore.Status);
        Assert.Equal(-32602, (int?)replayed["error"]?["code"]);
    }

    [Fact]
    public async Task HeldCall_WhoseAgentDoesNotResume_IsWithdrawnOnceTheWindowPasses()
    {
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120 }"""), new Dictionary<string, string?> { ["Gateway:Resumption:Window"] = "00:00:01" });
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);

        await call.DropAsync();
        var withdrawn = await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Withdrawn);

        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id, $"the record of approval {held.Id}");

        // Before, "The agent cancelled the call or its session ended", which it had not.
        const string Expected = "The agent's connection dropped and it did not come back for the call within 1s (Gateway:Resumption:Window)";
        Assert.Equal(Expected, withdrawn.Reason);
        Assert.Equal(("withdrawn", Expected), (record.Outcome, record.Reason));
    }

    [Fact]
    public async Task HeldCall_WhosePostDropped_IsWithdrawnAtOnce_WhenTheAgentDeletesItsSession()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), new Dictionary<string, string?>
        {
            // Longer than the test waits: only the session's end can withdraw it.
            ["Gateway:Resumption:Window"] = "00:10:00",
        });
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);

        await call.DropAsync();
        await agent.DeleteSessionAsync();

        var withdrawn = await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Withdrawn);
        // Before, "The agent cancelled the call or its session ended", which left approvers guessing which.
        const string Expected = "The agent ended its session (an HTTP DELETE of it) while the call waited";
        Assert.Equal(Expected, withdrawn.Reason);
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id, $"the record of approval {held.Id}");
        Assert.Equal(("withdrawn", Expected), (record.Outcome, record.Reason));
    }

    [Fact]
    public async Task HeldCall_WhoseStreamIsOpen_WhenTheAgentDeletesItsSession_IsAnsweredWithWhy_AndItsStreamEndsWhole()
    {
        var log = new ErrorLog();
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), configure: services => services.AddSingleton<ILoggerProvider>(log));
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);

        await agent.DeleteSessionAsync();

        // Before, the SDK closed the stream as it ended the session, cut off mid-response (Kestrel logged an unhandled
        // TaskCanceledException) and with no answer, though the gateway had withdrawn the call for a reason it knew.
        var answer = await call.NextAsync(m => (int?)m["id"] == call.Id).WaitAsync(Patience);
        await call.Ended.WaitAsync(Patience);
        Assert.Equal(-32603, (int?)answer["error"]?["code"]);
        Assert.StartsWith(
            "The agent ended its session (an HTTP DELETE of it) while the call waited: the gateway stopped tools/call. A held or approved call was not sent",
            (string?)answer["error"]?["message"], StringComparison.Ordinal);
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id, $"the record of approval {held.Id}");
        Assert.Equal(("withdrawn", ApprovalText.SessionDeletedReason), (record.Outcome, record.Reason));
        Assert.Empty(log.Lines);
    }

    [Fact]
    public async Task CancelledCall_WhoseStreamWaitsForNoAnswer_EndsWhole_WhenTheAgentDeletesItsSession()
    {
        var log = new ErrorLog();
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), configure: services => services.AddSingleton<ILoggerProvider>(log));
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);
        await agent.CancelAsync(call);
        await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Withdrawn);

        // A cancelled request gets no answer (MCP), so its stream stays open for as long as the agent reads it.
        await agent.DeleteSessionAsync();

        // Before, ending the session cut the stream off, and Kestrel logged an unhandled TaskCanceledException.
        await call.Ended.WaitAsync(Patience);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public async Task HeldCall_WithdrawnAfterARefusedDelete_DoesNotSayTheAgentEndedItsSession()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);

        // Refused for its protocol version: the session goes on, and so does the call.
        Assert.Equal(HttpStatusCode.BadRequest, await agent.TryDeleteSessionAsync("1999-01-01"));
        await agent.CancelAsync(call, reason: null);

        var withdrawn = await scenario.Approvals.WaitForStatusAsync(held.Id, ApprovalStatus.Withdrawn);
        // Before, the refused DELETE had already marked the session as ending: "The agent ended its session (an HTTP
        // DELETE of it)", which it had not.
        Assert.Equal(ApprovalText.WithdrawnReason, withdrawn.Reason);
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id, $"the record of approval {held.Id}");
        Assert.Equal(("withdrawn", ApprovalText.WithdrawnReason), (record.Outcome, record.Reason));
    }

    [Fact]
    public async Task CallApprovedWhileItsAgentIsAway_IsNotSent_WhenTheAgentEndsItsSessionInsteadOfComingBack()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), new Dictionary<string, string?>
        {
            ["Gateway:Resumption:Window"] = "00:10:00",
        });
        await using var agent = await RawHttpAgent.ConnectAsync(scenario.Gateway.McpEndpoint, "{}");
        var (call, held) = await CancelTwapHeldAsync(scenario, agent);

        await call.DropAsync();
        // Approved once the gateway knows the agent is away: a decision that comes before it notices the drop sends the
        // call to an agent that still looks connected, as it should.
        await GoneAsync(scenario.Gateway, agent, call);
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        await agent.DeleteSessionAsync();
        var record = await scenario.Audit.WaitForAsync(r => r.ApprovalId == held.Id && r.Outcome != "forwarding", $"the outcome record of approval {held.Id}");

        // The approver could not know the agent had dropped the call (the SDK's client cancels that way): the approval
        // waited for the agent to come back for its answer, and sent nothing for an agent that went away.
        Assert.Equal("withdrawn", record.Outcome);
        Assert.Contains("approved by bob, but the agent had gone", record.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(scenario.AuditOf(CancelTwap), r => r.Outcome == "forwarding");
        await using var client = await scenario.ConnectAsync();
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(client)));
    }

    /// <summary>Calls <c>BinanceSpotCancelOpenTWAPOrder</c>, which the scenario's policy holds: its resumable stream and its approval.</summary>
    private static async Task<(RawHttpAgent.AnswerStream Call, ApprovalSnapshot Held)> CancelTwapHeldAsync(EndToEnd.ApprovalScenario scenario, RawHttpAgent agent)
    {
        var call = agent.Call("tools/call", new JsonObject { ["name"] = CancelTwap, ["arguments"] = new JsonObject { ["algoId"] = 123 } });
        await call.FirstEventId.WaitAsync(Patience);
        return (call, await scenario.Approvals.WaitForPendingAsync(CancelTwap));
    }

    /// <summary>Waits until the gateway has noticed that <paramref name="call"/>'s connection dropped.</summary>
    private static async Task GoneAsync(GatewayHost gateway, RawHttpAgent agent, RawHttpAgent.AnswerStream call)
    {
        var streams = gateway.Services.GetRequiredService<ResumableStreamStore>();
        var deadline = DateTime.UtcNow + Patience;
        while (streams.IsCarried(agent.SessionId, call.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the gateway did not notice the dropped connection");
            await Task.Delay(10);
        }
    }

    private static bool IsToolListChanged(JsonObject message) => (string?)message["method"] == "notifications/tools/list_changed";

    private static async Task EditPolicyAsync(GatewayHost gateway, string policy)
    {
        await File.WriteAllTextAsync(gateway.PolicyPath, policy);
        Assert.True(gateway.Services.GetRequiredService<PolicyStore>().Reload());
    }
}
