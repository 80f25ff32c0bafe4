using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Cli;
using ApprovalGateway.Policy.Arguments;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// Every way a call can end, through the real gateway, leaves a verifiable audit record before the agent hears back;
/// a call that reaches the upstream also leaves one before it is sent.
/// </summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private const string SecretKey = "sk-live-5c0ffee5c0ffee";

    /// <summary>
    /// An upstream that lists one tool and then dies (exit code 3) when it is called. A process that exits at once
    /// offers no tool at all, so there would be nothing to call; this one fails where a real crash hurts, mid-call.
    /// Before it dies it copies the audit file as it stands when the call arrives, so a test sees what was on
    /// record by the time the call reached an upstream.
    /// </summary>
    private const string FlakyServer = """
        const rl = require('readline').createInterface({ input: process.stdin });
        rl.on('line', (line) => {
          const m = JSON.parse(line);
          if (m.id === undefined) return;
          const reply = (result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }) + '\n');
          if (m.method === 'initialize') reply({ protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'flaky', version: '1.0.0' } });
          else if (m.method === 'tools/list') reply({ tools: [{ name: 'FlakyExplode', description: 'Exits its process', inputSchema: { type: 'object' } }] });
          else if (m.method === 'tools/call') { require('fs').copyFileSync(process.env.AUDIT_LOG, process.env.AUDIT_LOG + '.seen-by-upstream'); process.exit(3); }
          else reply({});
        });
        """;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private WebGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await WebGateway.StartAsync(
        new Dictionary<string, string?>
        {
            ["Gateway:Upstreams:flaky:Command"] = "node",
            ["Gateway:Upstreams:flaky:Args:0"] = "-e",
            ["Gateway:Upstreams:flaky:Args:1"] = FlakyServer,
        },
        builder =>
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:flaky:Env:AUDIT_LOG"] = Path.Combine(builder.Configuration["Gateway:DataPath"]!, "audit", "audit.jsonl"),
            });
        });

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task EveryOutcome_IsRecordedBeforeTheAgentHearsBack_AndTheChainVerifies()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        using var api = _gateway.WithBearer(WebGateway.AliceToken);

        var algoId = await WebGateway.PlaceTwapAsync(agent);
        AssertLast(WebGateway.PlaceTwap, decision: "allowed", outcome: "forwarded", rule: "tools[\"BinanceSpotTimeWeightedAveragePriceNewOrder\"]");

        var denied = await agent.CallToolAsync("BinanceDeleteOrder", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT", ["orderId"] = 1, ["apiKey"] = SecretKey });
        Assert.True(denied.IsError);
        var deniedRecord = AssertLast("BinanceDeleteOrder", "denied", "denied", "tools[\"BinanceDeleteOrder\"]");
        Assert.Equal("***", deniedRecord["arguments"]!["apiKey"]!.GetValue<string>());
        Assert.Equal("BTCUSDT", deniedRecord["arguments"]!["symbol"]!.GetValue<string>());
        // The hash is of the arguments as recorded: before, an unsalted hash of the key itself let a reader of the
        // audit test guesses of a short secret (an otp, a pin) against it.
        Assert.Equal(CanonicalJson.Sha256(deniedRecord["arguments"]!.AsObject()), deniedRecord["arguments_sha256"]!.GetValue<string>());

        var ticker = new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" };
        Assert.NotEqual(true, (await agent.CallToolAsync("BinanceTickerPrice", ticker)).IsError);
        AssertLast("BinanceTickerPrice", "allowed", "forwarded", "tools[\"BinanceTickerPrice\"]");
        Assert.True((await agent.CallToolAsync("BinanceTickerPrice", ticker)).IsError);
        AssertLast("BinanceTickerPrice", "rate_limited", "rate_limited", "tools[\"BinanceTickerPrice\"]");

        var hidden = await Assert.ThrowsAsync<McpProtocolException>(() => agent.CallToolAsync("BinanceWalletWithdraw", new Dictionary<string, object?> { ["coin"] = "USDT", ["address"] = "T9yD", ["amount"] = 5 }).AsTask());
        Assert.Contains("Unknown tool", hidden.Message, StringComparison.Ordinal);
        AssertLast("BinanceWalletWithdraw", "hidden", "hidden", "hide[\"BinanceWalletWithdraw\"]");

        var rejected = await HeldCallAsync(agent, algoId, id => DecideAsync(api, id, "reject", "not while the market is open"));
        Assert.True(rejected.IsError);
        var rejectedRecord = AssertLast(WebGateway.CancelTwap, "approval_required", "rejected", CancelRule);
        Assert.Equal(["alice"], rejectedRecord["decided_by"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("not while the market is open", rejectedRecord["reason"]!.GetValue<string>());

        var expired = await HeldCallAsync(agent, algoId, _ => { _time.Advance(TimeSpan.FromSeconds(301)); return Task.CompletedTask; });
        Assert.True(expired.IsError);
        AssertLast(WebGateway.CancelTwap, "approval_required", "expired", CancelRule);

        // The agent hangs up while its call is held: its session's end withdraws it (Proxy/CancelledCallTests has the
        // agent cancel the call itself).
        var written = _gateway.Audit.WaitForOutcomeAsync("withdrawn");
        var leaving = await _gateway.ConnectAgentAsync();
        var abandoned = leaving.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(algoId)).AsTask();
        var held = await _gateway.Approvals.WaitForAsync(WebGateway.CancelTwap, ApprovalStatus.Pending);
        _gateway.Approvals.Clear();
        await leaving.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => abandoned);
        var withdrawnRecord = await written;
        Assert.Equal((WebGateway.CancelTwap, "approval_required", held.Id), (withdrawnRecord.Tool, withdrawnRecord.Decision, withdrawnRecord.ApprovalId));
        AssertLast(WebGateway.CancelTwap, "approval_required", "withdrawn", CancelRule);

        var approved = await HeldCallAsync(agent, algoId, id => DecideAsync(api, id, "approve", null));
        Assert.NotEqual(true, approved.IsError);
        var approvedRecord = AssertLast(WebGateway.CancelTwap, "approval_required", "forwarded", CancelRule);
        Assert.Equal(["alice"], approvedRecord["decided_by"]!.AsArray().Select(n => n!.GetValue<string>()));

        var failure = await CallReportingFailureAsync(agent, "FlakyExplode");
        var failedRecord = AssertLast("FlakyExplode", "allowed", "upstream_failed", "tools[\"Flaky*\"]");
        Assert.Equal("flaky", failedRecord["upstream"]!.GetValue<string>());
        Assert.Contains("Upstream 'flaky' failed during the call", failure, StringComparison.Ordinal);

        // The upstream got the call only after everything but its outcome was on record, its forwarding record last.
        var lines = ReadAuditLines(_gateway.AuditPath);
        Assert.Equal(lines[..^1], ReadAuditLines(_gateway.AuditPath + ".seen-by-upstream"));

        var records = ReadAuditFile();
        Assert.Equal(
            ["policy_loaded", "forwarding", "forwarded", "denied", "forwarding", "forwarded", "rate_limited", "hidden", "rejected", "expired", "withdrawn", "forwarding", "forwarded", "forwarding", "upstream_failed"],
            records.Select(r => r["outcome"]!.GetValue<string>()));
        // The policy the gateway started with comes first: the rules that decided every call after it.
        Assert.Equal("policy_loaded", records[0]["decision"]!.GetValue<string>());
        Assert.StartsWith($"policy {_gateway.Host.PolicyPath} (sha256 ", records[0]["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(_gateway.Host.PolicyPath, records[0]["policy_path"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", records[0]["policy_sha256"]!.GetValue<string>());
        Assert.All(records.Skip(1), r => Assert.False(r.ContainsKey("policy_path") || r.ContainsKey("policy_sha256") || r.ContainsKey("policy_in_force_sha256")));
        Assert.All(records.Skip(1), r =>
        {
            Assert.Equal("bot", r["agent"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(r["session_id"]!.GetValue<string>()));
            Assert.Matches("^[0-9a-f]{64}$", r["arguments_sha256"]!.GetValue<string>());
        });
        Assert.DoesNotContain(SecretKey, File.ReadAllText(CopyAuditFile()), StringComparison.Ordinal);

        var output = new StringWriter();
        Assert.Equal(0, VerifyAuditCommand.Run([_gateway.AuditPath], AuditAnchor.Genesis, output));
        Assert.Contains("15 records, chain intact", output.ToString(), StringComparison.Ordinal);

        using var csv = await api.GetAsync("/api/audit.csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(16, rows.Length);
        foreach (var outcome in new[] { "forwarding", "forwarded", "denied", "rate_limited", "hidden", "rejected", "expired", "withdrawn", "upstream_failed" })
        {
            Assert.Contains(rows, l => l.Contains($",{outcome},", StringComparison.Ordinal));
        }

        Assert.Contains(rows, l => l.Contains(",BinanceSpotCancelOpenTWAPOrder,approval_required,", StringComparison.Ordinal) && l.Contains(",rejected,not while the market is open,", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, l => l.Contains(SecretKey, StringComparison.Ordinal));
        Assert.Contains(rows, l => l.Contains(",,policy_loaded,,policy_loaded,\"policy ", StringComparison.Ordinal));
        var policies = JsonNode.Parse(await api.GetStringAsync("/api/audit?decision=policy_loaded"))!.AsArray();
        Assert.Equal(records[0]["hash"]!.GetValue<string>(), Assert.Single(policies)!["hash"]!.GetValue<string>());
        var policySha256 = records[0]["policy_sha256"]!.GetValue<string>();
        Assert.Equal(policySha256, policies[0]!["policy_sha256"]!.GetValue<string>());
        Assert.Contains(rows, l => l.EndsWith($",{_gateway.Host.PolicyPath},{policySha256},{policySha256}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyAudit_NamesTheEditedLine_WhenARecordOfTheGatewayIsTampered()
    {
        await using (var agent = await _gateway.ConnectAgentAsync())
        {
            await WebGateway.PlaceTwapAsync(agent);
            await agent.CallToolAsync("BinanceDeleteOrder", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT", ["orderId"] = 1 });
            await agent.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" });
        }

        var copy = CopyAuditFile();
        Assert.Equal(0, VerifyAuditCommand.Run([copy], AuditAnchor.Genesis, new StringWriter()));
        var lines = File.ReadAllLines(copy);
        Assert.Equal(6, lines.Length);
        Assert.Contains("\"outcome\":\"denied\"", lines[3], StringComparison.Ordinal);
        lines[3] = lines[3].Replace("\"outcome\":\"denied\"", "\"outcome\":\"forwarded\"", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(copy, lines);

        var output = new StringWriter();
        Assert.Equal(1, VerifyAuditCommand.Run([copy], AuditAnchor.Genesis, output));
        Assert.Contains($"{copy}:4:", output.ToString(), StringComparison.Ordinal);
    }

    private const string CancelRule = "tools[\"BinanceSpotCancelOpenTWAPOrder\"]";

    /// <summary>Starts a cancel that the policy holds, decides it once it is pending, and returns the agent's answer.</summary>
    private async Task<CallToolResult> HeldCallAsync(McpClient agent, long algoId, Func<string, Task> decide)
    {
        var call = agent.CallToolAsync(WebGateway.CancelTwap, WebGateway.CancelArguments(algoId)).AsTask();
        var pending = await _gateway.Approvals.WaitForAsync(WebGateway.CancelTwap, ApprovalStatus.Pending);
        _gateway.Approvals.Clear();
        await decide(pending.Id);
        return await call;
    }

    private static async Task DecideAsync(HttpClient api, string id, string decision, string? reason)
    {
        using var response = await api.PostAsJsonAsync($"/api/approvals/{id}/decision", new { decision, reason });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The failure as the agent sees it: an error result or a JSON-RPC error, whichever the gateway gives.</summary>
    private static async Task<string> CallReportingFailureAsync(McpClient agent, string tool)
    {
        try
        {
            var result = await agent.CallToolAsync(tool, new Dictionary<string, object?>());
            Assert.True(result.IsError);
            return string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        }
        catch (McpException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// The newest record on disk, read the moment the agent's call returned: it must already be there. A call that
    /// went to the upstream must have its forwarding record, about the same call, right before it.
    /// </summary>
    private JsonObject AssertLast(string tool, string decision, string outcome, string rule)
    {
        var records = ReadAuditFile();
        var last = records[^1];
        Assert.Equal(
            (tool, decision, outcome, rule),
            (last["tool"]!.GetValue<string>(), last["decision"]!.GetValue<string>(), last["outcome"]!.GetValue<string>(), last["rule"]!.GetValue<string>()));
        if (outcome is "forwarded" or "upstream_failed")
        {
            var before = records[^2];
            Assert.Equal("forwarding", before["outcome"]!.GetValue<string>());
            foreach (var field in new[] { "agent", "session_id", "upstream", "tool", "arguments", "arguments_sha256", "decision", "rule", "approval_id", "decided_by" })
            {
                Assert.True(JsonNode.DeepEquals(last[field], before[field]), $"the forwarding record differs in {field}");
            }

            Assert.Equal(0d, before["upstream_milliseconds"]!.GetValue<double>());
        }

        return last;
    }

    private List<JsonObject> ReadAuditFile() =>
        [.. ReadAuditLines(_gateway.AuditPath).Select(l => JsonNode.Parse(l)!.AsObject())];

    private static string[] ReadAuditLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A copy of the live file (the gateway holds it open for writing), for reading in full or editing.</summary>
    private string CopyAuditFile()
    {
        var copy = Path.Combine(_gateway.Host.DataDirectory, "audit-copy.jsonl");
        using var source = new FileStream(_gateway.AuditPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var target = File.Create(copy);
        source.CopyTo(target);
        return copy;
    }
}
