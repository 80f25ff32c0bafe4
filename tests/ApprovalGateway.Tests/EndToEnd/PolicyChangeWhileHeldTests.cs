using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using ApprovalGateway.Tests.Infrastructure;
using Hangfire;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// An admin's policy edit reaches calls already on their way: approvals and grants given under the old rule send
/// nothing the policy in force no longer lets through.
/// </summary>
public sealed class PolicyChangeWhileHeldTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("""{ "action": "deny", "reason": "TWAP cancels are frozen" }""", "now denies it: TWAP cancels are frozen")]
    [InlineData("""{ "action": "hide" }""", "no longer offers this tool")]
    public async Task HeldCall_IsNotSent_WhenThePolicyDeniesOrHidesItsToolBeforeItIsApproved(string rule, string says)
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();
        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap);

        await ApplyPolicyAsync(scenario, rule.Contains("hide", StringComparison.Ordinal)
            ? $$"""{ "version": "1", "default": "allow", "hide": ["{{CancelTwap}}"] }"""
            : $$"""{ "version": "1", "default": "allow", "tools": { "{{CancelTwap}}": {{rule}} } }""");
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        var result = await call.WaitAsync(Guard);

        // Before, the approval sent the call: an emergency deny did not stop calls already waiting.
        Assert.True(result.IsError);
        Assert.Equal("denied", (string?)Refusals.Of(result)["decision"]);
        Assert.Equal($"Policy denied: approved by bob, but the policy in force at its release {says}. The call was not sent.", Text(result));
        Assert.Contains(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        var record = Assert.Single(scenario.AuditOf(CancelTwap));
        Assert.Equal("denied", record.Outcome);
        Assert.Equal(["bob"], record.DecidedBy);
    }

    [Fact]
    public async Task Grant_AsksAgain_WhenTheRuleNoLongerOffersGrants()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        await ApproveWithGrantAsync(scenario, agent, 123);

        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 120, "approvals": 2 }"""));
        var repeat = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        var heldAgain = await scenario.Approvals.WaitForAsync(a => a.Request.Tool == CancelTwap && a.Status == ApprovalStatus.Pending && a.Votes.Count == 0 && a.Id != scenario.Approvals.Created[0], "a second approval");

        // Before, the 15-minute grant passed the call at once although the rule now wants two people and no grants.
        Assert.False(repeat.IsCompleted);
        Assert.Equal(2, scenario.Approvals.Created.Count);
        using (var reject = await scenario.DecideAsync(Alice, heldAgain.Id, "reject", "not under the new rule"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        Assert.True((await repeat.WaitAsync(Guard)).IsError);
        Assert.Contains(124L, AlgoIds(await OpenTwapOrdersAsync(agent)));
    }

    [Fact]
    public async Task Grant_IsRevokedForGood_WhenAPolicyEditStopsItsRuleOfferingGrants()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var grantId = await ApproveWithGrantAsync(scenario, agent, 123);

        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 0 }"""));
        var record = await scenario.Audit.WaitForAsync(r => r.Outcome == "grant_revoked", "the grant's revocation");
        var listed = await scenario.ListGrantsAsync(Alice);
        var approval = await scenario.GetApprovalAsync(Alice, grantId);
        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        var repeat = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        var heldAgain = await scenario.Approvals.WaitForAsync(
            a => a.Request.Tool == CancelTwap && a.Status == ApprovalStatus.Pending && a.Id != grantId, "the repeat held for approval");

        // Before, the grant stayed listed, and once grant_minutes was back it released the repeat without asking.
        Assert.Empty(listed);
        Assert.Equal(grantId, record.ApprovalId);
        Assert.Equal(["policy"], record.DecidedBy);
        Assert.Equal("grant_revoked", record.Decision);
        Assert.Equal($"tools[\"{CancelTwap}\"]", record.Rule);
        Assert.EndsWith($"revoked by policy: policy edit: rule tools[\"{CancelTwap}\"] no longer offers time-boxed grants", record.Reason, StringComparison.Ordinal);
        Assert.Equal("policy", (string?)approval["grant_revoked"]?["by"]);
        Assert.False(repeat.IsCompleted);
        using (var reject = await scenario.DecideAsync(Alice, heldAgain.Id, "reject"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        Assert.True((await repeat.WaitAsync(Guard)).IsError);
        Assert.Single(scenario.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
    }

    [Theory]
    [InlineData("""{ "action": "require_approval", "approval": { "timeout": 120, "grant_minutes": 10 } }""", "now allows grants of at most 10 minutes")]
    [InlineData("""{ "action": "deny" }""", "no longer holds calls for approval")]
    public async Task Grant_IsRevoked_WhenAPolicyEditNoLongerHonoursIt(string rule, string why)
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var grantId = await ApproveWithGrantAsync(scenario, agent, 123);

        await ApplyPolicyAsync(scenario, $$"""{ "version": "1", "default": "allow", "tools": { "{{CancelTwap}}": {{rule}} } }""");
        var record = await scenario.Audit.WaitForAsync(r => r.Outcome == "grant_revoked", "the grant's revocation");

        Assert.Empty(await scenario.ListGrantsAsync(Alice));
        Assert.Equal(grantId, record.ApprovalId);
        Assert.EndsWith($"revoked by policy: policy edit: rule tools[\"{CancelTwap}\"] {why}", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grant_IsRevokedOnce_WhenInstancesSharingTheStorageEachApplyTheEdit()
    {
        var granting = Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }""");
        await using var scenario = await StartAsync(granting);
        await using var other = await GatewayHost.StartAsync(TestUpstreams.DemoStdio(), granting,
            builder => builder.Services.AddSingleton(scenario.Gateway.Services.GetRequiredService<JobStorage>()));
        await using var agent = await scenario.ConnectAsync();
        var grantId = await ApproveWithGrantAsync(scenario, agent, 123);
        var edited = Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 0 }""");
        await File.WriteAllTextAsync(other.PolicyPath, edited);

        await Task.WhenAll(ApplyPolicyAsync(scenario, edited), Task.Run(() => ApplyPolicyAsync(other)));
        var revocations = scenario.Audit.Recent(1000).Concat(other.Services.GetRequiredService<IAuditLog>().Recent(1000))
            .Where(r => r.Outcome == "grant_revoked").ToList();

        Assert.Equal(grantId, Assert.Single(revocations).ApprovalId);
        Assert.Empty(await scenario.ListGrantsAsync(Alice));
    }

    [Fact]
    public async Task Grant_StaysInForce_WhenAPolicyEditStillHonoursIt()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var grantId = await ApproveWithGrantAsync(scenario, agent, 123);
        var before = await scenario.ListGrantsAsync(Alice);

        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 60, "grant_minutes": 30 }"""));
        var listed = await scenario.ListGrantsAsync(Alice);
        var repeat = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask().WaitAsync(Guard);

        Assert.Equal(grantId, (string?)Assert.Single(listed)!["approval_id"]);
        Assert.Equal(before[0]!["ends_at"]!.GetValue<DateTimeOffset>(), listed[0]!["ends_at"]!.GetValue<DateTimeOffset>());
        Assert.NotEqual(true, repeat.IsError);
        Assert.Single(scenario.Approvals.Created);
        Assert.DoesNotContain(scenario.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
    }

    [Fact]
    public async Task HeldCall_IsReleasedWithoutAGrant_WhenAPolicyEditStopsItsRuleOfferingGrantsBeforeItIsApproved()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap);

        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 0 }"""));
        string? told;
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve", grantMinutes: 15))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
            told = (string?)(await approve.Content.ReadFromJsonAsync<JsonObject>())?["message"];
        }

        var result = await call.WaitAsync(Guard);
        var listed = await scenario.ListGrantsAsync(Alice);
        var approval = await scenario.GetApprovalAsync(Alice, held.Id);
        var repeat = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        var heldAgain = await scenario.Approvals.WaitForAsync(
            a => a.Request.Tool == CancelTwap && a.Status == ApprovalStatus.Pending && a.Id != held.Id, "the repeat held for approval");

        // The human approved the call, so it goes; but before, it also gave the 15-minute grant of the rule it was held
        // under, listed as in force though the rule in force gives none and no call would pass under it.
        Assert.NotEqual(true, result.IsError);
        Assert.DoesNotContain(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        Assert.Empty(listed);
        var says = $"Approved by bob (no time-boxed grant: rule tools[\"{CancelTwap}\"] no longer offers time-boxed grants)";
        Assert.Equal(says, told);
        Assert.Equal(says, (string?)approval["summary"]);
        Assert.Null(approval["granted_until"]);
        Assert.Equal(0, (int?)approval["grant_limit"]?["minutes"]);
        Assert.False(repeat.IsCompleted);
        using (var reject = await scenario.DecideAsync(Alice, heldAgain.Id, "reject"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        Assert.True((await repeat.WaitAsync(Guard)).IsError);
        Assert.DoesNotContain(scenario.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
    }

    [Fact]
    public async Task HeldCall_GivesAGrantOfTheRulesNewLength_WhenAPolicyEditShortensItsGrantsBeforeItIsApproved()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap);

        await ApplyPolicyAsync(scenario, Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 5 }"""));
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve", grantMinutes: 15))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        var grant = Assert.Single(await scenario.ListGrantsAsync(Alice))!;
        var approval = await scenario.GetApprovalAsync(Alice, held.Id);
        var repeat = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask().WaitAsync(Guard);

        // Before, the grant listed ran for the 15 minutes asked for, ten more than the rule in force would keep.
        var grantedAt = grant["granted_at"]!.GetValue<DateTimeOffset>();
        Assert.Equal(held.Id, (string?)grant["approval_id"]);
        Assert.Equal(grantedAt.AddMinutes(5), grant["ends_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(5, (int?)approval["granted_minutes"]);
        Assert.Equal(
            $"Approved by bob (and for the next 5 min: rule tools[\"{CancelTwap}\"] now allows grants of at most 5 minutes)",
            (string?)approval["summary"]);
        Assert.NotEqual(true, repeat.IsError);
        Assert.Single(scenario.Approvals.Created);
    }

    [Fact]
    public async Task Grant_IsRevoked_WhenAPolicyEditIsAppliedAfterItsApprovalReadThePolicyButBeforeTheGrantWasSaved()
    {
        var edit = new EditAfterReadingThePolicy(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 0 }"""));
        await using var scenario = await StartAsync(
            Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""),
            configure: services => services.AddSingleton<IGrantLimits>(sp => edit.Around(sp)));
        await using var agent = await scenario.ConnectAsync();
        var grantId = await ApproveWithGrantAsync(scenario, agent, 123);

        await scenario.Gateway.Services.GetRequiredService<PolicyEditGrantRevocation>().Applied.WaitAsync(Guard);
        var listed = await scenario.ListGrantsAsync(Alice);
        var approval = await scenario.GetApprovalAsync(Alice, grantId);

        // Before, the edit's review listed the grants before this one was saved, so the grant it no longer honours stayed
        // listed (releasing nothing) until the next edit or restart.
        Assert.True(edit.Applied);
        Assert.Empty(listed);
        var record = Assert.Single(scenario.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
        Assert.Equal(grantId, record.ApprovalId);
        Assert.Equal(["policy"], record.DecidedBy);
        Assert.EndsWith($"revoked by policy: policy edit: rule tools[\"{CancelTwap}\"] no longer offers time-boxed grants", record.Reason, StringComparison.Ordinal);
        Assert.Equal("policy", (string?)approval["grant_revoked"]?["by"]);
    }

    /// <summary>
    /// The policy's grant limits, except that the first approval to read them has <paramref name="edited"/> applied, and
    /// its grant review finished, right after reading and before its grant is saved: the narrow window, held open.
    /// </summary>
    private sealed class EditAfterReadingThePolicy(string edited)
    {
        private readonly string _edited = edited;
        private int _applied;

        public bool Applied => Volatile.Read(ref _applied) == 1;

        public IGrantLimits Around(IServiceProvider services) => new Limits(this, new PolicyGrantLimits(services.GetRequiredService<PolicyStore>()), services);

        private sealed class Limits(EditAfterReadingThePolicy edit, IGrantLimits inner, IServiceProvider services) : IGrantLimits
        {
            public GrantLimit? For(ApprovalSnapshot approved)
            {
                var limit = inner.For(approved);
                if (Interlocked.Exchange(ref edit._applied, 1) == 0)
                {
                    var policy = services.GetRequiredService<PolicyStore>();
                    File.WriteAllText(policy.SourcePath, edit._edited);
                    Assert.True(policy.Reload());
                    services.GetRequiredService<PolicyEditGrantRevocation>().Applied.Wait(Guard);
                }

                return limit;
            }
        }
    }

    [Fact]
    public async Task Grant_CoversCallsItsRuleHolds_NotCallsAnotherRuleHolds()
    {
        await using var scenario = await StartAsync(GrantUnlessLaterThan(123));
        await using var agent = await scenario.ConnectAsync();
        await ApproveWithGrantAsync(scenario, agent, 123);

        var other = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        var held = await scenario.Approvals.WaitForAsync(
            a => a.Request.Tool == CancelTwap && a.Status == ApprovalStatus.Pending && a.Id != scenario.Approvals.Created[0], "the call the condition holds");

        Assert.Equal($"tools[\"{CancelTwap}\"].when[0]", held.Request.Rule);
        Assert.False(other.IsCompleted);
        using (var reject = await scenario.DecideAsync(Alice, held.Id, "reject"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        Assert.True((await other.WaitAsync(Guard)).IsError);
    }

    /// <summary>Holds every TWAP cancel, with 15-minute grants; one of an order after <paramref name="algoId"/> under a rule of its own.</summary>
    private static string GrantUnlessLaterThan(int algoId) => $$"""
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "{{CancelTwap}}": {
              "action": "require_approval",
              "approval": { "timeout": 120, "grant_minutes": 15 },
              "when": [ { "if": "args.algoId > {{algoId}}", "action": "require_approval", "reason": "a later order" } ]
            }
          }
        }
        """;

    /// <summary>A grant given while other calls wait releases only those its rule holds: a larger order still asks.</summary>
    [Fact]
    public async Task Grant_ReleasesWaitingCallsItsRuleHolds_NotOnesAnotherRuleHolds()
    {
        await using var scenario = await StartAsync(GrantUnlessLaterThan(124));
        await using var agent = await scenario.ConnectAsync();
        var granting = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var a = await scenario.Approvals.WaitForPendingAsync(CancelTwap, 123);
        var sameRule = agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask();
        await scenario.Approvals.WaitForPendingAsync(CancelTwap, 124);
        var larger = agent.CallToolAsync(CancelTwap, CancelTwapArgs(999)).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap, 999);

        using (var approve = await scenario.DecideAsync(Bob, a.Id, "approve", grantMinutes: 15))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        Assert.NotEqual(true, (await granting.WaitAsync(Guard)).IsError);
        Assert.NotEqual(true, (await sameRule.WaitAsync(Guard)).IsError);
        Assert.Equal($"tools[\"{CancelTwap}\"].when[0]", held.Request.Rule);
        Assert.Equal([held.Id], (await scenario.ListApprovalsAsync(Alice, "pending")).Select(p => (string?)p!["id"]));
        Assert.False(larger.IsCompleted);
        using (var reject = await scenario.DecideAsync(Alice, held.Id, "reject"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        Assert.True((await larger.WaitAsync(Guard)).IsError);
    }

    [Fact]
    public async Task CallAGrantReleases_IsRecordedAsSuch()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120, "grant_minutes": 15 }"""));
        await using var agent = await scenario.ConnectAsync();
        var id = await ApproveWithGrantAsync(scenario, agent, 123);

        Assert.NotEqual(true, (await agent.CallToolAsync(CancelTwap, CancelTwapArgs(124)).AsTask().WaitAsync(Guard)).IsError);

        var records = scenario.AuditOf(CancelTwap);
        Assert.Null(records[1].Reason);
        Assert.StartsWith($"released by a time-boxed grant (Time-boxed grant until ", records[3].Reason, StringComparison.Ordinal);
        Assert.EndsWith($"given on approval {id}", records[3].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeldCall_ShowsApproversAndTheAuditTheRiskThePolicyClassifiedItAs()
    {
        const string Policy = """
            {
              "version": "1",
              "default": "allow",
              "classify": { "BinanceTickerPrice": { "category": "financial", "risk": "critical", "reason": "prices move our desk" } }
            }
            """;
        await using var scenario = await StartAsync(Policy);
        await using var agent = await scenario.ConnectAsync();
        var call = agent.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" }).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync("BinanceTickerPrice");
        using (var reject = await scenario.DecideAsync(Alice, held.Id, "reject"))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        await call.WaitAsync(Guard);

        // Before, the card and the audit showed the classifier's "low, read-only" next to rule risk.critical.
        Assert.Equal("risk.critical", held.Request.Rule);
        Assert.Equal("critical", held.Request.Risk.Risk.ToString().ToLowerInvariant());
        Assert.StartsWith("prices move our desk", held.Request.Risk.Reason, StringComparison.Ordinal);
        Assert.Equal("critical", Assert.Single(scenario.AuditOf("BinanceTickerPrice")).RiskClass);
    }

    [Fact]
    public async Task AgentGetsTheUpstreamsAnswer_WhenTheOutcomeRecordCannotBeWrittenAfterTheCallWasSent()
    {
        var audit = new OutcomeRefusingAuditLog();
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.DemoStdio(),
            $$"""{ "version": "1", "default": "allow", "tools": { "{{CancelTwap}}": "allow" } }""",
            b => b.Services.AddSingleton<IAuditLog>(sp => audit.Around(sp.GetRequiredService<FileAuditLog>())));
        await using var agent = await gateway.ConnectAsync();

        var cancel = await agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask().WaitAsync(Guard);

        // Before, the agent heard "could not write its audit record, so it did not complete the call" about a
        // cancel the exchange had made, and a retry would act twice.
        Assert.NotEqual(true, cancel.IsError);
        Assert.Equal(123, (long)Structured(cancel)["algoId"]!);
        Assert.DoesNotContain(123L, AlgoIds(await OpenTwapOrdersAsync(agent)));
        Assert.Equal("forwarding", gateway.Services.GetRequiredService<IAuditLog>().Recent(10).First(r => r.Tool == CancelTwap).Outcome);
    }

    private static async Task<string> ApproveWithGrantAsync(ApprovalScenario scenario, ModelContextProtocol.Client.McpClient agent, long algoId)
    {
        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(algoId)).AsTask();
        var held = await scenario.Approvals.WaitForPendingAsync(CancelTwap);
        using (var approve = await scenario.DecideAsync(Bob, held.Id, "approve", grantMinutes: 15))
        {
            Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        }

        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        return held.Id;
    }

    /// <summary>Writes the file and reloads it now, as the watcher would shortly after, and waits until the grants are checked against it.</summary>
    private static async Task ApplyPolicyAsync(ApprovalScenario scenario, string policy)
    {
        await File.WriteAllTextAsync(scenario.Gateway.PolicyPath, policy);
        await ApplyPolicyAsync(scenario.Gateway);
    }

    private static async Task ApplyPolicyAsync(GatewayHost gateway)
    {
        Assert.True(gateway.Services.GetRequiredService<PolicyStore>().Reload());
        await gateway.Services.GetRequiredService<PolicyEditGrantRevocation>().Applied.WaitAsync(Guard);
    }

    /// <summary>The real file sink, except that outcome records of calls the upstream had fail, as on a full disk.</summary>
    private sealed class OutcomeRefusingAuditLog
    {
        public IAuditLog Around(IAuditLog inner) => new Refusing(inner);

        private sealed class Refusing(IAuditLog inner) : IAuditLog
        {
            public ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken) =>
                record.Outcome == "forwarded"
                    ? ValueTask.FromException(new IOException("No space left on device"))
                    : inner.AppendAsync(record, cancellationToken);

            public IReadOnlyList<AuditRecord> Recent(int limit) => inner.Recent(limit);
        }
    }
}
