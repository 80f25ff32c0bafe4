using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Slack;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.Slack;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>An instance that dies with calls held must not leave approvers deciding calls that can no longer run.</summary>
[Collection(ScaleOutCollection.Name)]
public sealed partial class InstanceLossTests(ScaleOutServices services)
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
        await using var slack = await FakeSlackServer.StartAsync();
        var settings = await SharedSettingsAsync(slack);

        var reaped = new EventLog(8004);
        await using var survivor = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder => builder.Logging.AddProvider(reaped));
        await using var page = survivor.Hub();
        var watch = PageWatch.On(page);
        await page.StartAsync();
        await using var doomed = await GatewayProcess.StartAsync(
            TestUpstreams.EverythingStdio(), HoldEcho, new Dictionary<string, string?>(settings) { ["Logging:LogLevel:ApprovalGateway.ScaleOut"] = "Information" });
        await using var agent = await doomed.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var id = await watch.Pending.WaitAsync(TimeSpan.FromSeconds(30));
        await slack.WaitForMessageAsync(m => m.AllText.Contains(id, StringComparison.Ordinal) && m.Buttons.Any());
        await PostJobFinishedAsync(survivor, id);

        await doomed.KillAsync();
        var withdrawn = await survivor.Approvals.WaitForAsync(ApprovalStatus.Withdrawn, id);

        Assert.Equal(OrphanedApprovalReaper.InstanceStoppedReason, withdrawn.Reason);
        using var api = survivor.Approver();
        using var stored = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/approvals/{id}", UriKind.Relative)));
        Assert.Equal("withdrawn", stored.RootElement.GetProperty("status").GetString());

        // The dead instance never wrote the call's record; the survivor that withdrew it does, then logs event 8004,
        // naming the instance as it named itself at startup (before, by an id it never printed).
        var reapedMessage = await reaped.Message.WaitAsync(TimeSpan.FromSeconds(30));
        var started = InstanceStartedLine().Match(doomed.Output);
        Assert.True(started.Success, $"The killed instance did not log its id and name at startup: {doomed.Output}");
        Assert.StartsWith($"{Environment.MachineName}/", started.Groups["name"].Value, StringComparison.Ordinal);
        Assert.Contains(
            $"gateway instance {started.Groups["name"].Value} (id {started.Groups["id"].Value}) holding its call stopped", reapedMessage, StringComparison.Ordinal);

        // Each in a field of its own, named as in event 8010, so a log system can look for either.
        var fields = await reaped.Fields;
        Assert.Equal(started.Groups["name"].Value, fields["InstanceName"]);
        Assert.Equal(started.Groups["id"].Value, fields["Instance"]);
        using var records = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/audit", UriKind.Relative)));
        var record = Assert.Single(records.RootElement.EnumerateArray(), r => r.GetProperty("approval_id").GetString() == id);
        Assert.Equal("withdrawn", record.GetProperty("outcome").GetString());
        Assert.Equal(OrphanedApprovalReaper.InstanceStoppedReason, record.GetProperty("reason").GetString());

        // The survivor's live page is told too, with the reason, so nobody goes on deciding a call that is gone.
        var shown = await watch.Withdrawn.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(id, shown.GetProperty("id").GetString());
        Assert.Equal(OrphanedApprovalReaper.InstanceStoppedReason, shown.GetProperty("reason").GetString());

        // So is Slack: the prompt the dead instance posted loses its buttons and says why.
        var prompt = await slack.WaitForMessageAsync(m =>
            m.AllText.Contains(id, StringComparison.Ordinal) && m.AllText.Contains("Withdrawn: Instance stopped", StringComparison.Ordinal));
        Assert.Empty(prompt.Buttons);
    }

    [ServicesFact]
    public async Task HeldCall_IsRecordedAsHeld_BeforeApproversAreShownItsApproval()
    {
        var settings = await SharedSettingsAsync();
        await using var gateway = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder =>
        {
            builder.Services.AddSingleton<HoldWhenShown>();
            builder.Services.AddSingleton<IApprovalObserver>(sp => sp.GetRequiredService<HoldWhenShown>());
        });
        await using var agent = await gateway.ConnectAsync();

        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();

        // An instance killed right after an approver saw the approval must leave the survivors a hold to withdraw it by.
        Assert.True(
            await gateway.Services.GetRequiredService<HoldWhenShown>().FirstShownWasHeld.WaitAsync(TimeSpan.FromSeconds(30)),
            "The approval was shown before the shared storage said which instance holds its call");
    }

    [ServicesFact]
    public async Task CallWhoseHoldCannotBeRecorded_IsRefusedAsNotStored_WithItsApprovalNeverShown()
    {
        var settings = await SharedSettingsAsync();
        await using var gateway = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder =>
        {
            builder.Services.AddSingleton(sp => new FailingJobStorage(sp.GetRequiredService<JobStorage>()));
            builder.Services.Replace(ServiceDescriptor.Singleton(sp =>
                ActivatorUtilities.CreateInstance<HeldApprovals>(sp, sp.GetRequiredService<FailingJobStorage>())));
        });
        await using var agent = await gateway.ConnectAsync();

        gateway.Services.GetRequiredService<FailingJobStorage>().GoDown();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var shown = gateway.Approvals.WaitForAsync(ApprovalStatus.Pending);

        // Before, the call waited, shown to approvers with no hold: had this instance died, nobody withdrew or recorded it.
        Assert.Same(call, await Task.WhenAny(call, shown));
        var refusal = await GatewayProcessClients.RefusalAsync(call);
        Assert.Contains(ApprovalText.NotStoredReason, refusal, StringComparison.Ordinal);
        using var api = gateway.Approver();
        using var approvals = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/approvals", UriKind.Relative)));
        Assert.Empty(approvals.RootElement.EnumerateArray());
        using var records = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/audit", UriKind.Relative)));
        var record = Assert.Single(records.RootElement.EnumerateArray(), IsOfARequest);
        Assert.Equal("echo", record.GetProperty("tool").GetString());
        Assert.Equal("withdrawn", record.GetProperty("outcome").GetString());
        Assert.Equal(ApprovalText.NotStoredReason, record.GetProperty("reason").GetString());

        // The record names the approval stored for the call (before, none), which storage keeps ended as not stored.
        var id = record.GetProperty("approval_id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        using var stored = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/api/approvals/{id}", UriKind.Relative)));
        Assert.Equal("withdrawn", stored.RootElement.GetProperty("status").GetString());
        Assert.Equal(ApprovalText.NotStoredReason, stored.RootElement.GetProperty("reason").GetString());
    }

    [ServicesFact]
    public async Task CallApprovedAfterItsInstanceWasKilled_IsWithdrawnAndAudited_AsNotSent()
    {
        var settings = await SharedSettingsAsync();
        var audit = await services.CreateDatabaseAsync();
        settings["Gateway:Audit:Sink"] = "PostgreSql";
        settings["Gateway:Audit:ConnectionString"] = audit;

        var reaped = new EventLog(8004);
        await using var survivor = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder => builder.Logging.AddProvider(reaped));
        await using var page = survivor.Hub();
        var pending = PageWatch.On(page).Pending;
        await page.StartAsync();
        await using var doomed = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings);
        await using var agent = await doomed.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var id = await pending.WaitAsync(TimeSpan.FromSeconds(30));

        // An approver decides before the survivors notice the instance is gone: the call can no longer be sent.
        await doomed.KillAsync();
        using var api = survivor.Approver();
        using var decision = await api.DecideAsync(id);
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);

        var withdrawn = await WithdrawnAsync(survivor, reaped, doomed, id);
        Assert.Contains("the approved call was not sent", withdrawn.Reason, StringComparison.Ordinal);
        await reaped.Logged.WaitAsync(TimeSpan.FromSeconds(30));
        using var records = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/audit", UriKind.Relative)));
        var record = Assert.Single(records.RootElement.EnumerateArray(), r => r.GetProperty("approval_id").GetString() == id);
        Assert.Equal("withdrawn", record.GetProperty("outcome").GetString());
        Assert.StartsWith("approved by alice, but ", record.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(["alice"], record.GetProperty("decided_by").EnumerateArray().Select(e => e.GetString()));
        var verification = PostgreSqlAuditLog.Verify(audit, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
    }

    [ServicesFact]
    public async Task SlackPostCutShortByTheKill_IsFinishedByTheSurvivor_AndSaysTheCallIsWithdrawn()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        var settings = await SharedSettingsAsync(slack);

        settings["Hangfire:CrashRecoveryTimeout"] = "00:00:15";

        // The doomed instance runs alone until Slack has posted its prompt but not yet answered, so it holds the job
        // and never learns the message's ts.
        var answerHeld = slack.HoldAnswerNext();
        await using var doomed = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings);
        await using var agent = await doomed.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        await answerHeld.WaitAsync(TimeSpan.FromSeconds(30));
        await using var survivor = await ScaleOutGateway.StartAsync(settings, HoldEcho);

        await doomed.KillAsync();
        var withdrawn = await survivor.Approvals.WaitForAsync(ApprovalStatus.Withdrawn);

        // Hangfire.PostgreSql's own defaults would leave the job out of reach for 10 to 30 minutes; the survivor runs it
        // once the dead instance's claim and lock lapse, finds the prompt Slack did post, and updates it rather than
        // posting a second one with live buttons.
        var prompt = await slack.WaitForMessageAsync(
            m => m.AllText.Contains(withdrawn.Id, StringComparison.Ordinal) && m.AllText.Contains("Withdrawn: Instance stopped", StringComparison.Ordinal),
            guard: TimeSpan.FromSeconds(60));
        Assert.Empty(prompt.Buttons);
        Assert.Single(slack.Messages);
    }

    [ServicesFact]
    public async Task CallRejectedAfterItsInstanceWasKilled_IsAuditedOnce_ByOneOfTwoSurvivors()
    {
        var (settings, audit) = await SharedAuditSettingsAsync();
        var recordedOnA = new EventLog(8021);
        var recordedOnB = new EventLog(8021);
        string id;
        await using (var a = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder => builder.Logging.AddProvider(recordedOnA)))
        await using (var b = await ScaleOutGateway.StartAsync(settings, HoldEcho, builder => builder.Logging.AddProvider(recordedOnB)))
        {
            await using var page = a.Hub();
            var pending = PageWatch.On(page).Pending;
            await page.StartAsync();
            await using var doomed = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings);
            await using var agent = await doomed.ConnectAsync();
            _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
            id = await pending.WaitAsync(TimeSpan.FromSeconds(30));

            // Rejected before the survivors notice the instance is gone: the rejection stands, and only its record is missing.
            await doomed.KillAsync();
            using var api = a.Approver();
            using var decision = await api.DecideAsync(id, """{"decision":"reject","reason":"not today"}""");
            Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
            await Task.WhenAny(recordedOnA.Logged, recordedOnB.Logged).WaitAsync(TimeSpan.FromSeconds(60));
        }

        // Both survivors have stopped, so every sweep they began has ended: a second record would be here by now.
        var record = Assert.Single(await AuditRecordsAsync(audit), r => r.ApprovalId == id);
        Assert.Equal("rejected", record.Outcome);
        Assert.Equal("not today", record.Reason);
        Assert.Equal(["alice"], record.DecidedBy);
        var verification = PostgreSqlAuditLog.Verify(audit, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
    }

    [ServicesFact]
    public async Task CallExpiringAfterItsInstanceWasKilled_IsAuditedAsExpired()
    {
        const string expiresSoon = """
            {
              "version": "1",
              "default": "allow",
              "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 10 } } }
            }
            """;
        var (settings, audit) = await SharedAuditSettingsAsync();

        // The approval must expire after the instance is killed (else that instance records it itself), which on a
        // busy machine can be seconds after the call was held, and before the survivor takes the instance for dead
        // (else it would be withdrawn instead).
        settings["ScaleOut:InstanceTimeout"] = "00:00:30";
        var recorded = new EventLog(8021);
        await using var survivor = await ScaleOutGateway.StartAsync(settings, expiresSoon, builder => builder.Logging.AddProvider(recorded));
        await using var page = survivor.Hub();
        var pending = PageWatch.On(page).Pending;
        await page.StartAsync();
        await using var doomed = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), expiresSoon, settings);
        await using var agent = await doomed.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var id = await pending.WaitAsync(TimeSpan.FromSeconds(30));

        await doomed.KillAsync();
        await survivor.Approvals.WaitForAsync(ApprovalStatus.Expired, id);
        await recorded.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith($"{Environment.MachineName}/", (string?)(await recorded.Fields)["InstanceName"], StringComparison.Ordinal);

        var record = Assert.Single(await AuditRecordsAsync(audit), r => r.ApprovalId == id);
        Assert.Equal("expired", record.Outcome);
        Assert.Equal("approval timed out after 10s", record.Reason);
        Assert.Empty(record.DecidedBy);
    }

    /// <summary>
    /// The survivor's withdrawal of the approval; when it does not come, a failure that says what the survivor saw:
    /// whether the dead instance's hold is in the shared storage, the approval as stored, and both instances' logs.
    /// </summary>
    private static async Task<ApprovalSnapshot> WithdrawnAsync(ScaleOutGateway survivor, EventLog survivorLog, GatewayProcess doomed, string id)
    {
        try
        {
            return await survivor.Approvals.WaitForAsync(ApprovalStatus.Withdrawn, id);
        }
        catch (TimeoutException)
        {
            var holds = survivor.Services.GetRequiredService<HeldApprovals>().ReadAll().Where(h => h.ApprovalId == id)
                .Select(h => $"{h.Entry} (last beat {h.Beat.At:O})");
            var stored = survivor.Services.GetRequiredService<ApprovalStore>().Get(id);
            Assert.Fail($"""
                Approval {id} was not withdrawn within 30 s.
                Holds of it in shared storage: [{string.Join(", ", holds)}]
                Stored: {stored?.Status} ({stored?.Reason}), outcome recorded: {stored?.OutcomeRecorded}
                Survivor's log:
                {survivorLog.Lines}
                Killed instance's output:
                {doomed.Output}
                """);
            throw;
        }
    }

    /// <summary>Every record in the shared audit database, read straight from it, so after the instances have stopped too.</summary>
    private static async Task<IReadOnlyList<AuditRecord>> AuditRecordsAsync(string audit)
    {
        await using var log = new PostgreSqlAuditLog(audit, "test", NullLogger<PostgreSqlAuditLog>.Instance);
        return log.Recent(1000);
    }

    /// <summary>Not the record of the policy each instance writes when it starts.</summary>
    private static bool IsOfARequest(JsonElement record) =>
        !record.GetProperty("decision").GetString()!.StartsWith("policy_", StringComparison.Ordinal);

    private async Task<(Dictionary<string, string?> Settings, string Audit)> SharedAuditSettingsAsync()
    {
        var settings = await SharedSettingsAsync();
        var audit = await services.CreateDatabaseAsync();
        settings["Gateway:Audit:Sink"] = "PostgreSql";
        settings["Gateway:Audit:ConnectionString"] = audit;
        return (settings, audit);
    }

    /// <summary>
    /// Waits until the doomed instance's Slack post job has finished, not only sent its message: killed in between,
    /// the job stays Processing until Hangfire's invisibility timeout, and the withdrawal's update, chained to it,
    /// waits as long. The state is in the shared storage and no signal crosses processes, so this polls it.
    /// </summary>
    private static async Task PostJobFinishedAsync(ScaleOutGateway survivor, string approvalId)
    {
        var store = survivor.Services.GetRequiredService<SlackMessageStore>();
        var monitoring = survivor.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.Get(approvalId).PostJobId is not { } job
            || monitoring.JobDetails(job)?.History.FirstOrDefault()?.StateName != SucceededState.StateName)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The Slack post job of approval {approvalId} did not finish within 30 s.");
            }

            await Task.Delay(50);
        }
    }

    [ServicesFact]
    public async Task HeldApprovalOnA_IsReleasedByB_WhenBWasKilledAndRestartedMeanwhile()
    {
        var audit = await services.CreateDatabaseAsync();
        var settings = await SharedSettingsAsync();
        settings["Gateway:Audit:Sink"] = "PostgreSql";
        settings["Gateway:Audit:ConnectionString"] = audit;
        settings["Approvers:alice:Token"] = ScaleOutGateway.AliceToken;
        await using var a = await ScaleOutGateway.StartAsync(settings, HoldEcho);
        await using (var b = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings))
        {
            await using var agentOnB = await b.ConnectAsync();
            var sum = await agentOnB.CallToolAsync("get-sum", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });
            Assert.NotEqual(true, sum.IsError);
        }

        await using var agentOnA = await a.ConnectAsync();
        var call = agentOnA.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "still here" }).AsTask();
        var pending = await a.Approvals.WaitForAsync(ApprovalStatus.Pending);

        // The first B was killed (disposed with SIGKILL) before the call; a new B comes up on the same databases.
        await using var restarted = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, settings);
        using var onB = restarted.Approver(ScaleOutGateway.AliceToken);
        using var decision = await onB.DecideAsync(pending.Id);

        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(true, result.IsError);
        Assert.Contains("still here", Assert.IsType<TextContentBlock>(result.Content[0]).Text, StringComparison.Ordinal);
        // What the killed B recorded is still there, newest first, as the restarted B serves it.
        using var records = JsonDocument.Parse(await onB.GetStringAsync(new Uri("/api/audit", UriKind.Relative)));
        Assert.Equal(
            ["echo:forwarded", "echo:forwarding", "get-sum:forwarded", "get-sum:forwarding"],
            records.RootElement.EnumerateArray().Where(IsOfARequest).Select(r => $"{r.GetProperty("tool").GetString()}:{r.GetProperty("outcome").GetString()}"));
        var verification = PostgreSqlAuditLog.Verify(audit, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
    }

    [GeneratedRegex(@"Gateway instance (?<name>\S+) \(Gateway:Audit:Instance\) has the id (?<id>[0-9a-f]+) in the shared storage")]
    private static partial Regex InstanceStartedLine();

    /// <summary>A fresh Hangfire database, the shared Redis, and heartbeats fast enough for a test to see a loss.</summary>
    private async Task<Dictionary<string, string?>> SharedSettingsAsync(FakeSlackServer slack)
    {
        var settings = await SharedSettingsAsync();
        foreach (var (key, value) in slack.GatewaySettings())
        {
            settings[key] = value;
        }

        return settings;
    }

    private async Task<Dictionary<string, string?>> SharedSettingsAsync() => new()
    {
        ["Hangfire:Storage"] = "PostgreSql",
        ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
        ["Redis:ConnectionString"] = services.RedisConnectionString,
        ["ScaleOut:HeartbeatInterval"] = "00:00:00.200",

        // Short enough for a quick test, long enough that a live process stalled by two busy cores is not taken for dead.
        ["ScaleOut:InstanceTimeout"] = "00:00:03",
    };
}
