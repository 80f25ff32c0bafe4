using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using ApprovalGateway.Approvals;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// Section 2: from an approver's decision to the upstream receiving the released call. The upstream is an MCP
/// server in this process that stamps each call on arrival, so both ends are read from the same Stopwatch.
/// Decisions alternate between the REST API (bearer token, over loopback HTTP) and the decision service called
/// in-process (what the page's hub and Slack's handler call after parsing).
/// </summary>
internal sealed class DecisionLatencyBench(RunnerOptions options, Report report)
{
    private const string Policy = """{ "version": "1", "default": "require_approval" }""";

    public async Task RunAsync()
    {
        report.Heading("2. Decision-to-release latency (require_approval, in-process echo upstream over Streamable HTTP)");
        var watcher = new PendingWatcher();
        await using var upstream = await EchoUpstream.StartAsync();
        await using var gateway = await BenchGateway.StartAsync(upstream.Url, Policy, watcher);
        await using var agent = await Clients.HttpAsync(gateway.McpEndpoint);
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BenchGateway.ApproverToken);
        var decisions = gateway.Services.GetRequiredService<IApprovalDecisions>();

        var channels = new[] { "REST API", "in-process IApprovalDecisions" };
        var toUpstream = channels.Select(_ => new Samples()).ToArray();
        var toAgent = channels.Select(_ => new Samples()).ToArray();
        var warmup = Math.Min(20, options.Approvals);
        for (var i = -warmup; i < options.Approvals * channels.Length; i++)
        {
            var channel = ((i % channels.Length) + channels.Length) % channels.Length;
            var message = $"release-{i}";
            var arrival = upstream.ArrivalOf(message);
            var call = agent.EchoAsync(message);
            var approval = await watcher.Created.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

            var start = Stopwatch.GetTimestamp();
            if (channel == 0)
            {
                using var body = new StringContent("""{"decision":"approve","reason":"bench"}""", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri($"/api/approvals/{approval.Id}/decision", UriKind.Relative), body);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"decision on {approval.Id} returned {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
            else
            {
                var result = await decisions.DecideAsync(approval.Id, new ApproverIdentity("bench", null), true, "bench", null, "bench", CancellationToken.None);
                if (result.Kind != DecisionResultKind.Resolved)
                {
                    throw new InvalidOperationException($"decision on {approval.Id}: {result.Kind} {result.Message}");
                }
            }

            var arrived = await arrival.WaitAsync(TimeSpan.FromSeconds(30));
            await call.WaitAsync(TimeSpan.FromSeconds(30));
            var answered = Stopwatch.GetTimestamp();
            upstream.Forget(message);
            if (i >= 0)
            {
                toUpstream[channel].AddElapsed(start, arrived);
                toAgent[channel].AddElapsed(start, answered);
            }
        }

        report.Line($"{options.Approvals} approvals per channel after {warmup} warm-up, one at a time: call held, decision issued once the approval is stored, " +
            "clock stopped when the upstream's tool runs (and, second pair of columns, when the agent has the result).\n");
        report.Table(
            ["Decision via", "decision → upstream p50 ms", "p99 ms", "max ms", "decision → agent has result p50 ms", "p99 ms", "target (p99 to upstream < 50 ms)"],
            channels.Select((name, c) => (IReadOnlyList<string>)[
                name,
                Report.Ms(toUpstream[c].P50), Report.Ms(toUpstream[c].P99), Report.Ms(toUpstream[c].Max),
                Report.Ms(toAgent[c].P50), Report.Ms(toAgent[c].P99),
                Report.Verdict(toUpstream[c].P99 < 50),
            ]));
    }
}
