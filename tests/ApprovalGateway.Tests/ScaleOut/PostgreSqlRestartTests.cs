using System.Net;
using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// PostgreSQL restarted under two gateway instances (one in this process, one in its own): held calls survive,
/// calls made while it is down fail closed, and both instances serve again once it is back, without a restart.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PostgreSqlRestartTests(ScaleOutServices services)
{
    private const string Policy = """
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "echo": { "action": "require_approval", "approval": { "timeout": 600 } },
            "transfer": { "action": "allow" }
          }
        }
        """;

    // Short enough that the outage below outlasts it (a survivor must still not withdraw a live instance's calls),
    // long enough that a busy two-core machine does not make a live instance look dead.
    private static readonly TimeSpan InstanceTimeout = TimeSpan.FromSeconds(3);

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CallHeldOnA_IsReleasedByApprovalOnB_WhenPostgreSqlRestartedWhileItWaited(bool redis)
    {
        await using var ledger = await Ledger.StartAsync();
        var database = await services.CreateDatabaseAsync();
        var settings = Settings(database, redis, ledger);
        await using var a = await ScaleOutGateway.StartAsync(settings, Policy);
        await using var b = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), Policy, settings);
        await using var agent = await a.ConnectAsync();
        Succeeded(await TransferAsync(agent, "before"));
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        var pending = await a.Approvals.WaitForAsync(ApprovalStatus.Pending);

        // The outage must outlast the instance timeout, and nothing but the clock marks that it has.
        await services.RestartPostgreSqlAsync(() => Task.Delay(InstanceTimeout * 2));

        using var onA = a.Approver();
        using var onB = b.Approver(ScaleOutGateway.AliceToken);
        Assert.Equal([pending.Id], await PendingIdsAsync(onA));
        Assert.Equal([pending.Id], await PendingIdsAsync(onB));
        using var decision = await onB.DecideAsync(pending.Id);
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(60));

        Succeeded(result);
        Assert.Contains("hello", Assert.IsType<TextContentBlock>(result.Content[0]).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(a.Approvals.Seen, s => s.Id == pending.Id && s.Status == ApprovalStatus.Withdrawn);
        var records = await AuditAsync(database);
        Assert.Equal(
            ["transfer:forwarding:", "transfer:forwarded:", $"echo:forwarding:{pending.Id}", $"echo:forwarded:{pending.Id}"],
            records.Where(r => r.Tool.Length > 0).Select(r => $"{r.Tool}:{r.Outcome}:{r.ApprovalId}"));
        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
    }

    [ServicesFact]
    public async Task CallsWhilePostgreSqlIsDown_FailClosed_AndBothInstancesServeAgainOnceItIsBack()
    {
        await using var ledger = await Ledger.StartAsync();
        var database = await services.CreateDatabaseAsync();
        var settings = Settings(database, redis: false, ledger);
        await using var a = await ScaleOutGateway.StartAsync(settings, Policy);
        await using var b = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), Policy, settings);
        await using var agentOnA = await a.ConnectAsync();
        await using var agentOnB = await b.ConnectAsync();
        string? heldRefusal = null;

        await services.RestartPostgreSqlAsync(async () =>
            heldRefusal = await GatewayProcessClients.RefusalAsync(agentOnA.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "while down" }).AsTask()));

        // Nothing can be recorded while the database is down, and the agent is told so instead of a bare "error occurred".
        Assert.Contains("audit record", heldRefusal, StringComparison.Ordinal);
        Assert.Empty(a.Approvals.Seen);
        var call = agentOnA.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "after" }).AsTask();
        var pending = await a.Approvals.WaitForAsync(ApprovalStatus.Pending);
        using var onB = b.Approver(ScaleOutGateway.AliceToken);
        using var decision = await onB.DecideAsync(pending.Id);
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Succeeded(await call.WaitAsync(TimeSpan.FromSeconds(60)));
        Succeeded(await TransferAsync(agentOnA, "on A"));
        Succeeded(await TransferAsync(agentOnB, "on B"));
        Assert.Equal(["on A", "on B"], ledger.Transfers);
        var verification = PostgreSqlAuditLog.Verify(database, AuditAnchor.Genesis);
        Assert.True(verification.Holds, verification.Problem);
        // Each instance's policy at start, then three forwarded calls, each recorded before it was sent and once
        // answered; the refused one left none.
        Assert.Equal(8, verification.Records);
    }

    [ServicesTheory]
    [InlineData("/api/approvals?status=pending", "Approval storage unreachable")]
    [InlineData("/api/grants", "Approval storage unreachable")]
    [InlineData("/api/audit", "Audit storage unreachable")]
    [InlineData("/api/audit.csv", "Audit storage unreachable")]
    public async Task Api_Answers503SayingWhy_WhilePostgreSqlIsDown(string path, string reason)
    {
        var settings = await services.AllOnPostgreSqlAsync();
        await using var a = await ScaleOutGateway.StartAsync(settings, Policy);
        using var api = a.Approver();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        (HttpStatusCode Status, string Body) during = default;

        await services.RestartPostgreSqlAsync(async () =>
        {
            using var answer = await api.GetAsync(new Uri(path, UriKind.Relative));
            during = (answer.StatusCode, await answer.Content.ReadAsStringAsync());
        });

        // Before, a bare 500 with no body (the export: a 200 cut off after its headers), and the approver could not
        // tell a gateway bug from a database restart.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Contains(reason, during.Body, StringComparison.Ordinal);
    }

    [ServicesFact]
    public async Task Healthz_AnswersDegraded_WhilePostgreSqlIsDown_AndOkOnceItIsBack()
    {
        var beatFailed = new EventLog(8005);
        var back = new EventLog(9401);
        var settings = new Dictionary<string, string?>
        {
            ["Hangfire:Storage"] = "PostgreSql",
            ["Hangfire:ConnectionString"] = await services.CreateDatabaseAsync(),
            ["ScaleOut:HeartbeatInterval"] = (InstanceTimeout / 5).ToString(),
            ["ScaleOut:InstanceTimeout"] = InstanceTimeout.ToString(),
            ["Logging:LogLevel:ApprovalGateway.ScaleOut.OrphanedApprovalReaper"] = "Information",
        };
        await using var a = await ScaleOutGateway.StartAsync(settings, Policy, builder =>
        {
            builder.Logging.AddProvider(beatFailed);
            builder.Logging.AddProvider(back);
        });
        using var loadBalancer = new HttpClient { BaseAddress = a.BaseAddress };
        using var api = a.Approver();
        Assert.Equal(HttpStatusCode.OK, (await loadBalancer.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        (HttpStatusCode Status, string Body) during = default, detail = default;

        await services.RestartPostgreSqlAsync(async () =>
        {
            await beatFailed.Logged.WaitAsync(TimeSpan.FromSeconds(60));
            using var health = await loadBalancer.GetAsync(new Uri("/healthz", UriKind.Relative));
            during = (health.StatusCode, await health.Content.ReadAsStringAsync());
            using var problems = await api.GetAsync(new Uri("/api/health", UriKind.Relative));
            detail = (problems.StatusCode, await problems.Content.ReadAsStringAsync());
        });
        await back.Logged.WaitAsync(TimeSpan.FromSeconds(60));

        // Before, /healthz said ok throughout, and a load balancer went on sending agents whose held calls all failed.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, """{"status":"degraded"}"""), during);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detail.Status);
        Assert.Contains("Shared storage (Hangfire:ConnectionString, PostgreSQL) unreachable since", detail.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await loadBalancer.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    [ServicesFact]
    public async Task AllowedCallWhilePostgreSqlIsDown_IsNotForwarded_WhenItsAuditRecordCannotBeWritten()
    {
        await using var ledger = await Ledger.StartAsync();
        var database = await services.CreateDatabaseAsync();
        var exceptions = new ErrorLog();
        await using var a = await ScaleOutGateway.StartAsync(
            Settings(database, redis: false, ledger), Policy, builder => builder.Logging.AddProvider(exceptions));
        await using var agent = await a.ConnectAsync();
        using var api = a.Approver();
        string? refusal = null, detail = null;

        await services.RestartPostgreSqlAsync(async () =>
        {
            refusal = await GatewayProcessClients.RefusalAsync(TransferAsync(agent, "while down"));
            detail = await HealthDetailAsync(api);
        });
        Succeeded(await TransferAsync(agent, "after"));
        var detailAfter = await HealthDetailAsync(api);

        Assert.Contains("audit", refusal, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["after"], ledger.Transfers);

        // Before, /api/health named no problem of the audit sink's while it refused every record.
        Assert.Contains("Audit log not writable since ", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Audit log not writable", detailAfter, StringComparison.Ordinal);

        // One stack trace for the refusal, the sink's: before, the retry and the pipeline logged the same one again.
        Assert.Equal(
            ["ApprovalGateway.Audit.PostgreSqlAuditLog[5005]"],
            exceptions.WithException.Where(e => e.StartsWith("ApprovalGateway.Audit", StringComparison.Ordinal) || e.StartsWith("ApprovalGateway.Proxy", StringComparison.Ordinal)));
    }

    [ServicesTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HeldCall_IsAnsweredWithdrawn_WhenItsInstanceStopsWhilePostgreSqlIsDown(bool postgreSqlAudit)
    {
        await using var ledger = await Ledger.StartAsync();
        var database = await services.CreateDatabaseAsync();
        var settings = Settings(database, redis: false, ledger);
        if (!postgreSqlAudit)
        {
            // The file sink, so the withdrawal can be recorded while the database is down.
            settings.Remove("Gateway:Audit:Sink");
            settings.Remove("Gateway:Audit:ConnectionString");
        }

        await using var a = await ScaleOutGateway.StartAsync(settings, Policy);
        await using var agent = await a.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "hello" }).AsTask();
        await a.Approvals.WaitForAsync(ApprovalStatus.Pending);
        string? told = null;

        // Woken by the stop, the waiter cannot read the approval; it must not go on retrying until the host gives up.
        await services.RestartPostgreSqlAsync(async () =>
        {
            var stopped = a.StopAsync();
            told = await GatewayProcessClients.RefusalAsync(call.WaitAsync(TimeSpan.FromSeconds(60)));
            await stopped;
        });

        // With the audit in the database that is down, the withdrawal cannot be recorded. Before, the agent heard only
        // that, not that the gateway was shutting down and it may call again.
        Assert.Contains("Gateway shutting down", told, StringComparison.Ordinal);
        Assert.Equal(postgreSqlAudit, told!.Contains("could not write its audit record", StringComparison.Ordinal));
    }

    private Dictionary<string, string?> Settings(string database, bool redis, Ledger ledger)
    {
        var settings = TestUpstreams.Merge(
            TestUpstreams.Http(ledger.Url, "ledger"),
            new Dictionary<string, string?>
            {
                ["Hangfire:Storage"] = "PostgreSql",
                ["Hangfire:ConnectionString"] = database,
                ["Gateway:Audit:Sink"] = "PostgreSql",
                ["Gateway:Audit:ConnectionString"] = database,
                ["Approvers:alice:Token"] = ScaleOutGateway.AliceToken,
                ["ScaleOut:HeartbeatInterval"] = (InstanceTimeout / 5).ToString(),
                ["ScaleOut:InstanceTimeout"] = InstanceTimeout.ToString(),
            });
        if (redis)
        {
            settings["Redis:ConnectionString"] = services.RedisConnectionString;
        }

        return settings;
    }

    /// <summary>The body whether the instance is healthy (200) or not (503).</summary>
    private static async Task<string> HealthDetailAsync(HttpClient api)
    {
        using var response = await api.GetAsync(new Uri("/api/health", UriKind.Relative));
        return await response.Content.ReadAsStringAsync();
    }

    private static void Succeeded(CallToolResult result) =>
        Assert.False(result.IsError == true, string.Join(' ', result.Content.OfType<TextContentBlock>().Select(t => t.Text)));

    private static Task<CallToolResult> TransferAsync(McpClient agent, string memo) =>
        agent.CallToolAsync("transfer", new Dictionary<string, object?> { ["memo"] = memo }).AsTask();

    private static async Task<string[]> PendingIdsAsync(HttpClient approver)
    {
        using var list = JsonDocument.Parse(await approver.GetStringAsync(new Uri("/api/approvals?status=pending", UriKind.Relative)));
        return [.. list.RootElement.EnumerateArray().Select(a => a.GetProperty("id").GetString()!)];
    }

    private static async Task<IReadOnlyList<AuditRecord>> AuditAsync(string database)
    {
        await using var log = new PostgreSqlAuditLog(database, "test", NullLogger<PostgreSqlAuditLog>.Instance);
        return [.. (await log.QueryAsync(new AuditQuery(), CancellationToken.None)).Reverse()];
    }

    /// <summary>An upstream whose one tool has a side effect a test can see: every transfer that reached it.</summary>
    private sealed class Ledger : IAsyncDisposable
    {
        private readonly DynamicToolsUpstream _upstream;
        private readonly List<string> _transfers;

        private Ledger(DynamicToolsUpstream upstream, List<string> transfers) => (_upstream, _transfers) = (upstream, transfers);

        public Uri Url => _upstream.Url;

        public IReadOnlyList<string> Transfers
        {
            get
            {
                lock (_transfers)
                {
                    return [.. _transfers];
                }
            }
        }

        public static async Task<Ledger> StartAsync()
        {
            List<string> transfers = [];
            var upstream = await DynamicToolsUpstream.StartAsync(McpServerTool.Create(
                (string memo) =>
                {
                    lock (transfers)
                    {
                        transfers.Add(memo);
                    }

                    return $"transferred: {memo}";
                },
                new McpServerToolCreateOptions { Name = "transfer" }));
            return new Ledger(upstream, transfers);
        }

        public ValueTask DisposeAsync() => _upstream.DisposeAsync();
    }
}
