using System.Text.Json.Nodes;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Tests.ScaleOut;
using ApprovalGateway.Tests.Slack;
using ModelContextProtocol.Protocol;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.Hosting;

/// <summary>Stopping the gateway (SIGTERM, as a deploy does) while calls wait for approval.</summary>
public sealed class GracefulShutdownTests
{
    private const string HoldEcho = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600 } } }
        }
        """;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task HeldCall_IsAnsweredWithdrawnRecordedAndShownSo_AndTheGatewayExitsCleanly_WhenItIsStopped()
    {
        await using var slack = await FakeSlackServer.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(TestUpstreams.EverythingStdio(), HoldEcho, slack.GatewaySettings());
        await using var agent = await gateway.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "deploy in progress" }).AsTask();
        await slack.WaitForMessageAsync(m => m.AllText.Contains("echo", StringComparison.Ordinal));

        // Before, the held call kept the host waiting until its 30 s shutdown timeout, the agent's stream was then cut
        // without an answer, the withdrawal failed on disposed services (no audit record), and Hangfire's stop, left
        // no time, crashed the process.
        var exitCode = await gateway.StopAsync().WaitAsync(Guard);
        var result = await call.WaitAsync(Guard);

        Assert.Equal(0, exitCode);
        Assert.True(result.IsError);
        var refusal = Refusals.Of(result);
        Assert.Equal("withdrawn", (string?)refusal["decision"]);
        Assert.StartsWith("Gateway shutting down", (string?)refusal["reason"], StringComparison.Ordinal);
        Assert.Equal(
            "The call was withdrawn: Gateway shutting down: the instance holding the call stopped before a decision; the agent may call again.",
            Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        var withdrawn = File.ReadAllLines(gateway.AuditFile).Select(l => JsonNode.Parse(l)!).Last();
        Assert.Equal("withdrawn", (string?)withdrawn["outcome"]);
        Assert.Equal("echo", (string?)withdrawn["tool"]);
        Assert.StartsWith("Gateway shutting down", (string?)withdrawn["reason"], StringComparison.Ordinal);

        // The gateway had exited, so it brought the prompt up to date before it stopped (its job queue took no more
        // jobs by then); approvers no longer see buttons for a call that is gone.
        var prompt = Assert.Single(slack.Messages);
        Assert.Contains("Withdrawn: Gateway shutting down", prompt.AllText, StringComparison.Ordinal);
        Assert.Empty(prompt.Buttons);
    }

    [Fact]
    public async Task LivePage_SeesTheHeldCallWithdrawn_BeforeItsConnectionCloses_WhenTheGatewayIsStopped()
    {
        const string token = "alice-token-Ws3nB6yQe1Pu5Jd0";
        await using var gateway = await GatewayProcess.StartAsync(
            TestUpstreams.EverythingStdio(), HoldEcho, new Dictionary<string, string?> { ["Approvers:alice:Token"] = token });
        await using var page = gateway.Hub(token);
        var watch = PageWatch.On(page);
        await page.StartAsync();
        await using var agent = await gateway.ConnectAsync();
        var call = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "deploy in progress" }).AsTask();
        var id = await watch.Pending.WaitAsync(Guard);

        var exitCode = await gateway.StopAsync().WaitAsync(Guard);
        await watch.Closed.WaitAsync(Guard);

        // Before, the hub closed every connection as the host began to stop, before the withdrawals it had just set
        // off were stored: the page kept showing a pending call with Approve buttons for a call that was gone.
        Assert.Equal(0, exitCode);
        Assert.True(watch.Withdrawn.IsCompleted, "the page was told the held call was withdrawn before its connection closed");
        var shown = await watch.Withdrawn;
        Assert.Equal(id, shown.GetProperty("id").GetString());
        Assert.StartsWith("Gateway shutting down", shown.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True((await call.WaitAsync(Guard)).IsError);
    }

    [Fact]
    public async Task ShutdownThatOutlastsItsTimeout_EndsWithCode1SayingSo_NotWithACrash()
    {
        // No time at all to stop in, with a call held: every service that has any stopping to do (Hangfire's server
        // among them) is cut short, as a slow machine cut them short at the default 30 s.
        const string token = "alice-token-Ws3nB6yQe1Pu5Jd0";
        await using var gateway = await GatewayProcess.StartAsync(
            TestUpstreams.EverythingStdio(),
            HoldEcho,
            new Dictionary<string, string?> { ["Approvers:alice:Token"] = token, ["ShutdownTimeoutSeconds"] = "0" });
        await using var page = gateway.Hub(token);
        var watch = PageWatch.On(page);
        await page.StartAsync();
        await using var agent = await gateway.ConnectAsync();
        _ = agent.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "deploy in progress" }).AsTask();
        await watch.Pending.WaitAsync(Guard);

        var exitCode = await gateway.StopAsync().WaitAsync(Guard);

        // Before, several services cut short came as one AggregateException, unhandled: the runtime aborted (134)
        // with a stack trace instead of the warning that says what happened.
        Assert.True(exitCode == 1, $"exit code {exitCode}: {gateway.Output}");
        Assert.Contains("Shutdown outlasted the host's shutdown timeout", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.Ordinal);
    }
}
