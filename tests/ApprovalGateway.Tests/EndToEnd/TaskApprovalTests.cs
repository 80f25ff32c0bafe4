using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.TaskGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// MCP Tasks for long approvals: an agent that asks for a task gets one at once while its call waits for a human,
/// polls it, cancels it, or fetches its result, even from a new connection.
/// </summary>
public sealed class TaskApprovalTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static JsonObject Twap(long algoId) => new() { ["algoId"] = algoId };

    [Fact]
    public async Task Initialize_AdvertisesTasksAndHeldToolsOfferThem_WhenTheAgentSpeaks2025_11_25()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));

        var current = await gateway.InitializeRawAsync("2025-11-25");
        var older = await gateway.InitializeRawAsync("2025-06-18");

        var tasks = current["capabilities"]!["tasks"]!;
        Assert.NotNull(tasks["list"]);
        Assert.NotNull(tasks["cancel"]);
        Assert.NotNull(tasks["requests"]!["tools"]!["call"]);
        Assert.Null(older["capabilities"]!["tasks"]);

        await using var agent = await gateway.ConnectAsync();
        var tools = (await SendAsync(agent, "tools/list", []))["tools"]!.AsArray();
        var cancel = tools.Single(t => (string?)t!["name"] == CancelTwap)!;
        Assert.Equal("optional", (string?)cancel["execution"]!["taskSupport"]);
        var allowed = tools.Single(t => (string?)t!["name"] == "BinanceSpotCurrentAlgoOpenOrders")!;
        Assert.Null(allowed["execution"]);
    }

    [Fact]
    public async Task TaskCall_WorksUntilApprovedThenCompletesWithTheUpstreamResult_WhenHeld()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        var statuses = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new("notifications/tasks/status", (notification, _) =>
                    {
                        statuses.TrySetResult(notification.Params!.DeepClone());
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };
        await using var agent = await gateway.ConnectAsync(options: options);

        var task = await CallAsTaskAsync(agent, CancelTwap, Twap(123));
        var taskId = (string)task["taskId"]!;
        Assert.Equal("working", (string?)task["status"]);
        Assert.StartsWith("gw-", taskId, StringComparison.Ordinal);
        Assert.StartsWith("Waiting for approval", (string?)task["statusMessage"], StringComparison.Ordinal);
        Assert.Equal(60000L, (long)task["ttl"]!);
        Assert.NotNull(task["pollInterval"]);

        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        Assert.Equal("working", (string?)(await GetAsync(agent, taskId))["status"]);
        Assert.Contains(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));

        await gateway.DecideAsync(pending.Id, approve: true);
        var result = await ResultAsync(agent, taskId);

        Assert.NotEqual(true, (bool?)result["isError"]);
        Assert.Equal(taskId, (string?)result["_meta"]!["io.modelcontextprotocol/related-task"]!["taskId"]);
        Assert.DoesNotContain(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));
        Assert.Equal("completed", (string?)(await GetAsync(agent, taskId))["status"]);
        var notified = await statuses.Task.WaitAsync(Guard);
        Assert.Equal((taskId, "completed"), ((string?)notified["taskId"], (string?)notified["status"]));
    }

    [Fact]
    public async Task TaskCall_FailsWithTheRefusal_WhenRejected()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var taskId = (string)(await CallAsTaskAsync(agent, CancelTwap, Twap(123)))["taskId"]!;
        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        await gateway.DecideAsync(pending.Id, approve: false, reason: "the TWAP is part of the hedge");
        var result = await ResultAsync(agent, taskId);

        Assert.True((bool?)result["isError"]);
        Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
        Assert.Equal("the TWAP is part of the hedge", (string?)Refusals.Of(result)["reason"]);
        var task = await GetAsync(agent, taskId);
        Assert.Equal("failed", (string?)task["status"]);
        Assert.Contains("Rejected by alice: the TWAP is part of the hedge", (string?)task["statusMessage"], StringComparison.Ordinal);
        Assert.Contains(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));
    }

    [Fact]
    public async Task TaskCall_FailsAsExpired_WhenNobodyDecidesBeforeTheTimeout()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 2 }"""));
        await using var agent = await gateway.ConnectAsync();

        var taskId = (string)(await CallAsTaskAsync(agent, CancelTwap, Twap(123)))["taskId"]!;
        var result = await ResultAsync(agent, taskId);

        Assert.True((bool?)result["isError"]);
        Assert.Equal("expired", (string?)Refusals.Of(result)["decision"]);
        var task = await GetAsync(agent, taskId);
        Assert.Equal("failed", (string?)task["status"]);
        Assert.Contains("timed out", (string?)task["statusMessage"], StringComparison.Ordinal);
        Assert.Contains(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));
    }

    [Fact]
    public async Task TasksCancel_WithdrawsTheHeldApproval_WhenTheTaskIsWorking()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var taskId = (string)(await CallAsTaskAsync(agent, CancelTwap, Twap(123)))["taskId"]!;
        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        var cancelled = await CancelAsync(agent, taskId);

        Assert.Equal("cancelled", (string?)cancelled["status"]);
        await gateway.Approvals.WaitForAsync(ApprovalStatus.Withdrawn, pending.Id);
        Assert.Equal("cancelled", (string?)(await GetAsync(agent, taskId))["status"]);
        var result = await ResultAsync(agent, taskId);
        Assert.Equal("withdrawn", (string?)Refusals.Of(result)["decision"]);
        var again = await Assert.ThrowsAsync<McpProtocolException>(() => CancelAsync(agent, taskId));
        Assert.Equal(McpErrorCode.InvalidParams, again.ErrorCode);
        Assert.Contains(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));
    }

    [Fact]
    public async Task TasksResult_GivesTheUpstreamResult_WhenTheAgentReconnectsAfterItsSessionEnded()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        string taskId;
        await using (var first = await gateway.ConnectAsync())
        {
            taskId = (string)(await CallAsTaskAsync(first, CancelTwap, Twap(123)))["taskId"]!;
        }

        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        await using var second = await gateway.ConnectAsync();
        Assert.Contains(taskId, await ListAsync(second));
        await gateway.DecideAsync(pending.Id, approve: true);
        var result = await ResultAsync(second, taskId);

        // The call ran on the first session's upstream connection, kept open for it; the new session has its own.
        Assert.NotEqual(true, (bool?)result["isError"]);
        Assert.Equal((123L, true), ((long?)result["structuredContent"]!["algoId"], (bool?)result["structuredContent"]!["success"]));
        Assert.Equal("completed", (string?)(await GetAsync(second, taskId))["status"]);
    }

    [Fact]
    public async Task TasksGet_IsRefused_WhenAnotherAgentAsksForTheTask()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var bot = await gateway.ConnectAsync();
        await using var other = await gateway.ConnectAsync(OtherKey);

        var taskId = (string)(await CallAsTaskAsync(bot, CancelTwap, Twap(123)))["taskId"]!;
        var pending = await gateway.WaitForPendingAsync(CancelTwap);

        foreach (var method in (string[])["tasks/get", "tasks/result", "tasks/cancel"])
        {
            var refused = await Assert.ThrowsAsync<McpProtocolException>(() => SendAsync(other, method, new JsonObject { ["taskId"] = taskId }));
            Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        }

        Assert.Empty(await ListAsync(other));
        Assert.Equal(ApprovalStatus.Pending, gateway.Decisions.Get(pending.Id)!.Status);
        Assert.Equal("working", (string?)(await GetAsync(bot, taskId))["status"]);
    }

    [Fact]
    public async Task TaskCall_IsAFinishedTaskWithTheUpstreamResult_WhenAToolThePolicyMayHoldIsLetThrough()
    {
        await using var gateway = await StartAsync(HoldAbove(CancelTwap, 1000));
        await using var agent = await gateway.ConnectAsync();

        var tools = (await SendAsync(agent, "tools/list", []))["tools"]!.AsArray();
        Assert.Equal("optional", (string?)tools.Single(t => (string?)t!["name"] == CancelTwap)!["execution"]!["taskSupport"]);
        var task = await CallAsTaskAsync(agent, CancelTwap, Twap(123));
        var result = await ResultAsync(agent, (string)task["taskId"]!);

        Assert.Equal("completed", (string?)task["status"]);
        Assert.NotEqual(true, (bool?)result["isError"]);
        Assert.DoesNotContain(123L, AlgoIds(await ApprovalScenario.OpenTwapOrdersAsync(agent)));
        Assert.Empty(gateway.Approvals.Seen);
    }

    [Fact]
    public async Task TaskCall_IsRefusedAsMethodNotFound_WhenThePolicyNeverHoldsTheTool()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => CallAsTaskAsync(agent, "BinanceSpotCurrentAlgoOpenOrders", []));

        Assert.Equal(McpErrorCode.MethodNotFound, refused.ErrorCode);
        Assert.Contains("does not support task-augmented calls", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await ListAsync(agent));
        var plain = await agent.CallToolAsync("BinanceSpotCurrentAlgoOpenOrders", new Dictionary<string, object?>());
        Assert.NotEqual(true, plain.IsError);
    }

    [Theory]
    [InlineData("tasks/get")]
    [InlineData("tasks/result")]
    [InlineData("tasks/cancel")]
    public async Task TaskRequest_IsInvalidParamsSayingTaskIdIsMissing_WhenTheRequestHasNone(string method)
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => SendAsync(agent, method, []));

        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        Assert.Contains($"{method} needs a 'taskId' string", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TasksGet_SaysNotFound_WhenItsTtlHasPassedSinceTheTaskFinished()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(HoldAbove(CancelTwap, 1000), time);
        await using var agent = await gateway.ConnectAsync();

        var finished = (string)(await CallAsTaskAsync(agent, CancelTwap, Twap(123), ttl: 5000))["taskId"]!;
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("completed", (string?)(await GetAsync(agent, finished))["status"]);
        time.Advance(TimeSpan.FromSeconds(2));

        var gone = await Assert.ThrowsAsync<McpProtocolException>(() => GetAsync(agent, finished));
        Assert.Equal(McpErrorCode.InvalidParams, gone.ErrorCode);
        Assert.Contains("Failed to retrieve task: Task not found", gone.Message, StringComparison.Ordinal);
        Assert.Empty(await ListAsync(agent));
    }

    [Fact]
    public async Task TasksResult_IsKeptForTheTtlAfterApproval_WhenTheApprovalTookLongerThanTheTtl()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""), time);
        await using var agent = await gateway.ConnectAsync();

        var taskId = (string)(await CallAsTaskAsync(agent, CancelTwap, Twap(123), ttl: 5000))["taskId"]!;
        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("working", (string?)(await GetAsync(agent, taskId))["status"]);
        await gateway.DecideAsync(pending.Id, approve: true);
        var result = await ResultAsync(agent, taskId);
        time.Advance(TimeSpan.FromSeconds(4));

        Assert.NotEqual(true, (bool?)result["isError"]);
        var task = await GetAsync(agent, taskId);
        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal(35000L, (long)task["ttl"]!);
    }

    /// <summary>Before, a ttl past what a TimeSpan holds failed the call with an internal error, and logged it as one.</summary>
    [Fact]
    public async Task TaskCall_AskingForAnyLongerTtlThanTheGatewayKeepsTasks_GetsTheLongestItKeeps()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var task = await CallAsTaskAsync(agent, CancelTwap, Twap(123), ttl: long.MaxValue);

        Assert.Equal("working", (string?)task["status"]);
        Assert.Equal((long)TimeSpan.FromHours(24).TotalMilliseconds, (long)task["ttl"]!);
    }

    [Fact]
    public async Task CallTool_StillBlocksUntilApproved_WhenTheAgentDoesNotAskForATask()
    {
        await using var gateway = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await gateway.ConnectAsync();

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var pending = await gateway.WaitForPendingAsync(CancelTwap);
        Assert.False(call.IsCompleted);
        await gateway.DecideAsync(pending.Id, approve: true);
        var result = await call.WaitAsync(Guard);

        Assert.NotEqual(true, result.IsError);
        Assert.Empty(await ListAsync(agent));
    }

    private static IReadOnlyList<long> AlgoIds(JsonObject openOrders) => ApprovalScenario.AlgoIds(openOrders);
}
