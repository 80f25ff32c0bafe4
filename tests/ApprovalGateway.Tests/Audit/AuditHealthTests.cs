using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol;
using static ApprovalGateway.Tests.Audit.AuditSamples;

namespace ApprovalGateway.Tests.Audit;

/// <summary><c>/healthz</c> and <c>/api/health</c> of a running gateway whose file audit sink refuses records.</summary>
public sealed class AuditHealthTests : IDisposable
{
    private const string ApproverToken = "alice-approver-token-0001";
    private const string Ticker = "BinanceTickerPrice";
    private static readonly Dictionary<string, object?> TickerArgs = new() { ["symbol"] = "BTCUSDT" };

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Healthz_AnswersDegraded_WhileTheAuditFileIsAnotherChain_AndOkAfterTheNextWrittenRecord()
    {
        var other = dir.File("other/audit.jsonl");
        await using (var otherLog = Open(other))
        {
            await otherLog.AppendAsync(Record(7), CancellationToken.None);
        }

        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.Merge(
            TestUpstreams.DemoStdio(), new Dictionary<string, string?> { ["Approvers:alice:Token"] = ApproverToken }));
        await using var agent = await gateway.ConnectAsync();
        using var loadBalancer = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var api = new HttpClient { BaseAddress = gateway.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApproverToken);
        await agent.CallToolAsync(Ticker, TickerArgs);
        var before = await GetAsync(loadBalancer, "/healthz");

        // The tester's repro: the file moved away and another gateway's log put in its place.
        var audit = Path.Combine(gateway.DataDirectory, "audit", "audit.jsonl");
        File.Move(audit, audit + ".0");
        File.Copy(other, audit);
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => agent.CallToolAsync(Ticker, TickerArgs).AsTask());
        var during = await GetAsync(loadBalancer, "/healthz");
        var detail = await GetAsync(api, "/api/health");
        File.Move(audit, audit + ".other");
        await agent.CallToolAsync(Ticker, TickerArgs);
        var after = await GetAsync(loadBalancer, "/healthz");
        var afterDetail = await GetAsync(api, "/api/health");

        Assert.Equal((HttpStatusCode.OK, """{"status":"ok"}"""), before);
        Assert.Contains("could not write its audit record, so it did not send the call to the upstream", refused.Message, StringComparison.Ordinal);

        // Before, /healthz said ok and /api/health listed nothing while every call was refused.
        Assert.Equal((HttpStatusCode.ServiceUnavailable, """{"status":"degraded"}"""), during);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, detail.Status);
        var problem = (string)Assert.Single(JsonNode.Parse(detail.Body)!["problems"]!.AsArray())!;
        Assert.StartsWith("Audit log not writable since ", problem, StringComparison.Ordinal);
        Assert.Contains("do not continue this gateway's audit chain", problem, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, """{"status":"ok"}"""), after);
        Assert.Equal(HttpStatusCode.OK, afterDetail.Status);
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
