using System.Globalization;
using System.Net;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Infrastructure;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>An approval with a time-boxed grant lets the same agent repeat the tool without a new prompt, still audited.</summary>
public sealed class ApprovalTimeBoxedGrantTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CallTool_PassesWithoutANewPrompt_WhenAnEarlierCallWasApprovedWithAGrant()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (prompt, id) = await scenario.WaitForPromptAsync(CancelTwap);
        Assert.Contains(prompt.Buttons, b => (string?)b["action_id"] == SlackActionIds.ApproveGrant);
        using (var click = await scenario.ClickAsync(Alice, SlackActionIds.ApproveGrant, id))
        {
            Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        }

        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        await scenario.WaitForPromptTextAsync(id, "(and for the next 15 min)");

        var repeat = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask().WaitAsync(Guard);

        Assert.NotEqual(true, repeat.IsError);
        Assert.Equal(124, (long)Structured(repeat)["algoId"]!);
        Assert.Empty(AlgoIds(await OpenTwapOrdersAsync(agent)));
        Assert.Equal([id], scenario.Approvals.Created);
        Assert.Empty(await scenario.ListApprovalsAsync(Alice, "pending"));
        Assert.Single(scenario.Slack.Requests, r => r.Method == "chat.postMessage");
        var records = scenario.AuditOf(CancelTwap);
        Assert.Equal(["forwarding", "forwarded", "forwarding", "forwarded"], records.Select(r => r.Outcome));
        Assert.All(records, r => Assert.Equal(id, r.ApprovalId));
        Assert.Equal(123, (long)ForwardedCallRecords.Pair(records[0], records[1]).Arguments!["algoId"]!);
        Assert.Equal(124, (long)ForwardedCallRecords.Pair(records[2], records[3]).Arguments!["algoId"]!);

        // The grant's call says how it went out from its first record on, as its outcome record does.
        Assert.StartsWith("released by a time-boxed grant", records[2].Reason, StringComparison.Ordinal);
        Assert.Null(records[0].Reason);

        // However it ends, a grant's call keeps saying what released it.
        var failed = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(999)).AsTask().WaitAsync(Guard);
        Assert.True(failed.IsError);
        var outcome = ForwardedCallRecords.Pair(scenario.AuditOf(CancelTwap)[^2], scenario.AuditOf(CancelTwap)[^1]);
        Assert.Equal($"the tool reported an error; {records[2].Reason}", outcome.Reason);
    }

    /// <summary>
    /// A grant lets through what its approver agreed to: the same agent's calls of the same tool under the same rule.
    /// Those already waiting when it is given go through too, named as the grant's own, not left for a decision each.
    /// </summary>
    [Fact]
    public async Task Grant_ReleasesTheCallsAlreadyWaitingThatItCovers_AndNoOthers()
    {
        const string Policy = $$"""
            {
              "version": "1",
              "default": "allow",
              "tools": {
                "{{CancelTwap}}": { "action": "require_approval", "approval": { "timeout": 120, "grant_minutes": 15 } },
                "{{Withdraw}}": { "action": "require_approval", "approval": { "timeout": 120, "grant_minutes": 15 } }
              }
            }
            """;
        await using var scenario = await StartAsync(Policy, new Dictionary<string, string?>
        {
            ["Gateway:Agents:desk:ApiKey"] = DeskKey,
            ["Gateway:Agents:other-desk:ApiKey"] = OtherDeskKey,
        });
        await using var agent = await scenario.ConnectAsync(DeskKey);
        await using var otherAgent = await scenario.ConnectAsync(OtherDeskKey);
        var granting = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var a = await scenario.Approvals.WaitForPendingAsync(CancelTwap, 123);
        var covered = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        var b = await scenario.Approvals.WaitForPendingAsync(CancelTwap, 124);
        var otherTool = agent.CallToolAsync(Withdraw, WithdrawArgs("w-1")).AsTask();
        var otherToolHeld = await scenario.Approvals.WaitForPendingAsync(Withdraw);
        var otherAgentsCall = otherAgent.CallToolAsync(CancelTwap, CancelTwapArgs(125)).AsTask();
        var otherAgentsHeld = await scenario.Approvals.WaitForPendingAsync(CancelTwap, 125, "other-desk");

        using (var approve = await scenario.DecideAsync(Alice, a.Id, "approve", grantMinutes: 15))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        Assert.NotEqual(true, (await granting.WaitAsync(Guard)).IsError);
        var released = await covered.WaitAsync(Guard);

        // The upstream had the call and the agent its answer.
        Assert.NotEqual(true, released.IsError);
        Assert.Equal(124, (long)Structured(released)["algoId"]!);
        var records = scenario.AuditOf(CancelTwap).Where(r => r.ApprovalId == b.Id).ToList();
        Assert.Equal(["forwarding", "forwarded"], records.Select(r => r.Outcome));
        Assert.Equal(["alice"], records[1].DecidedBy);
        Assert.StartsWith("released by a time-boxed grant (Time-boxed grant until ", records[1].Reason, StringComparison.Ordinal);
        Assert.EndsWith($"given on approval {a.Id}", records[1].Reason, StringComparison.Ordinal);
        Assert.Equal(124, (long)records[1].Arguments!["algoId"]!);

        // Its prompts say what released it; nobody was asked to decide it.
        var prompt = await scenario.WaitForPromptTextAsync(b.Id, "by the time-boxed grant of alice").WaitAsync(Guard);
        Assert.Empty(prompt.Buttons);
        var view = await scenario.GetApprovalAsync(Alice, b.Id);
        Assert.Equal("approved", (string?)view["status"]);
        Assert.Equal(a.Id, (string?)view["released_by_grant"]?["approval_id"]);
        Assert.StartsWith("Released by the time-boxed grant of alice", (string?)view["summary"], StringComparison.Ordinal);

        // Another tool and another agent are outside the grant: they still wait for a decision.
        var pending = (await scenario.ListApprovalsAsync(Alice, "pending")).Select(p => (string?)p!["id"]);
        Assert.Equal(new[] { otherToolHeld.Id, otherAgentsHeld.Id }.Order(StringComparer.Ordinal), pending.Order(StringComparer.Ordinal));
        Assert.False(otherTool.IsCompleted);
        Assert.False(otherAgentsCall.IsCompleted);
    }

    private const string DeskKey = "desk-agent-key-0123456789";

    private const string OtherDeskKey = "other-desk-agent-key-012345";

    /// <summary>A prompt that still read "and for the next 15 min" after the grant ended would tell approvers it is in force.</summary>
    [Fact]
    public async Task SlackPrompt_SaysWhoRevokedTheGrantAndWhen_AndNoLongerPromisesItsWindow_WhenItsGrantIsRevoked()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);
        using (var click = await scenario.ClickAsync(Alice, SlackActionIds.ApproveGrant, id))
        {
            Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        }

        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        await scenario.WaitForPromptTextAsync(id, "(and for the next 15 min)");

        using (var revoke = await scenario.RevokeGrantAsync(Bob, id, "the desk closes early"))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        var update = await scenario.Slack.WaitForRequestAsync(
            "chat.update", r => r.Body.ToJsonString().Contains("grant was revoked by bob", StringComparison.Ordinal)).WaitAsync(Guard);
        var updated = await scenario.WaitForPromptTextAsync(id, "grant was revoked by bob").WaitAsync(Guard);
        var approval = await scenario.GetApprovalAsync(Alice, id);
        var revokedAt = DateTimeOffset.Parse((string)approval["grant_revoked"]!["at"]!, CultureInfo.InvariantCulture);

        Assert.Contains(
            $"The time-boxed grant was revoked by bob at {revokedAt.UtcDateTime:HH:mm:ss} UTC: the desk closes early",
            updated.AllText,
            StringComparison.Ordinal);
        Assert.Empty(updated.Buttons);

        // Before, the update still read "Approved by … (and for the next 15 min)" above the revocation.
        Assert.DoesNotContain("for the next 15 min", update.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("for the next 15 min", updated.AllText, StringComparison.Ordinal);
        Assert.Equal("approved", (string?)approval["status"]);
        Assert.Equal("bob", (string?)approval["grant_revoked"]?["by"]);
        Assert.Contains("grant was revoked by bob", (string?)approval["summary"], StringComparison.Ordinal);
        Assert.DoesNotContain("for the next 15 min", (string?)approval["summary"], StringComparison.Ordinal);
        Assert.Single(scenario.Slack.Requests, r => r.Method == "chat.postMessage");
    }

    /// <summary>Approvals:MaxPendingPerAgent bounds prompts; a call a grant answers asks nobody, so it still passes.</summary>
    [Fact]
    public async Task CallUnderAGrant_Passes_EvenWhenTheAgentIsAtItsLimitOfHeldCalls()
    {
        const string Policy = $$"""
            {
              "version": "1",
              "default": "allow",
              "tools": {
                "{{CancelTwap}}": { "action": "require_approval", "approval": { "timeout": 120, "grant_minutes": 15 } },
                "{{Withdraw}}": { "action": "require_approval", "approval": { "timeout": 120 } }
              }
            }
            """;
        await using var scenario = await StartAsync(Policy, new Dictionary<string, string?> { ["Approvals:MaxPendingPerAgent"] = "1" });
        await using var agent = await scenario.ConnectAsync();
        var first = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);
        using (var click = await scenario.ClickAsync(Alice, SlackActionIds.ApproveGrant, id))
        {
            Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        }

        Assert.NotEqual(true, (await first.WaitAsync(Guard)).IsError);
        var withdrawal = agent.CallToolAsync(Withdraw, WithdrawArgs("w-1")).AsTask();
        await scenario.Approvals.WaitForPendingAsync(Withdraw);

        var underGrant = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask().WaitAsync(Guard);
        var pastTheLimit = await agent.CallToolAsync(Withdraw, WithdrawArgs("w-2")).AsTask().WaitAsync(Guard);

        Assert.NotEqual(true, underGrant.IsError);
        Assert.Equal(124, (long)Structured(underGrant)["algoId"]!);
        Assert.Equal("rate_limited", (string?)Refusals.Of(pastTheLimit)["decision"]);
        Assert.False(withdrawal.IsCompleted);
    }
}
