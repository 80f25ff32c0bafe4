using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Tests.Approvals;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The person at the agent's own client is asked through MCP elicitation and answers as one more approver,
/// under the same rules as Slack and the page.
/// </summary>
public sealed class ElicitationApprovalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly Dictionary<string, object?> CancelTwap = new() { ["algoId"] = 123 };

    private static string Policy(string approvalExtras = "") => $$"""
        { "version": "1", "default": "allow",
          "tools": { "BinanceSpotCancelOpenTWAPOrder": { "action": "require_approval", "reason": "cancelling a TWAP order is irreversible",
            "approval": { "timeout": 60, "channels": ["web", "elicitation"] {{approvalExtras}} } } } }
        """;

    [Fact]
    public async Task ClientApproves_ReleasesTheCall_AsTheAgentsOwnDecision()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(), Answer("accept", "approve"));

        var result = await test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask().WaitAsync(Patience);

        Assert.NotEqual(true, result.IsError);
        var prompt = Assert.Single(test.Prompts);
        Assert.Contains("Approve BinanceSpotCancelOpenTWAPOrder(algoId=123)?", prompt.Message);
        var approved = await test.Observer.WaitForAsync(ApprovalStatus.Approved);
        var vote = Assert.Single(approved.Votes);
        Assert.Equal(("trader-bot", "elicitation"), (vote.Approver, vote.Channel));
        Assert.Equal("cancelling a TWAP order is irreversible", ApprovalView.From(approved, slackEnabled: false).HeldBecause);
        Assert.Empty(ApprovalView.From(approved, slackEnabled: false).ArgumentProblems);
        Assert.DoesNotContain("schema", prompt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientPrompt_ShowsHiddenCharactersAsEscapes_AndWarnsOfThem()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(), Answer("accept", "reject", "no"));
        var arguments = new Dictionary<string, object?> { ["algoId"] = 123, ["note"] = "bc1q\u202Erekcatta\u202C" };

        await test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", arguments).AsTask().WaitAsync(Patience);

        // Before, the override made "bc1qrekcatta" read as "bc1qattacker" in the person's own client.
        var prompt = Assert.Single(test.Prompts).Message;
        Assert.Contains("note=bc1q\\u202Erekcatta\\u202C", prompt, StringComparison.Ordinal);
        Assert.Contains("Warning: the arguments contain invisible or direction-changing characters (U+202C, U+202E)", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientPrompt_WarnsThatTheArgumentsDoNotMatchTheToolsSchema_BeforeAnyoneApprovesThem()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(), Answer("accept", "reject", "wrong order id"));
        var arguments = new Dictionary<string, object?> { ["algoId"] = "twelve" };

        await test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", arguments).AsTask().WaitAsync(Patience);

        var prompt = Assert.Single(test.Prompts).Message;
        Assert.Contains(
            "Warning: the arguments do not match the tool's input schema, so the upstream may refuse them: algoId: Value is \"string\" but should be \"integer\".",
            prompt,
            StringComparison.Ordinal);
        var rejected = await test.Observer.WaitForAsync(ApprovalStatus.Rejected);
        Assert.Equal(["algoId: Value is \"string\" but should be \"integer\""], ApprovalView.From(rejected, slackEnabled: false).ArgumentProblems);
    }

    [Fact]
    public async Task ClientRejects_RefusesTheCall_WithTheReasonGivenInTheClient()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(), Answer("accept", "reject", "not now"));

        var result = await test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask().WaitAsync(Patience);

        Assert.True(result.IsError);
        Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
        Assert.Equal("not now", (string?)Refusals.Of(result)["reason"]);
    }

    [Theory]
    [InlineData("x", 499)]
    [InlineData("😀", 498)]
    public async Task ClientRejects_WithAReasonLongerThanTheFormAllows_RefusesTheCall_WithTheReasonCut(string tail, int kept)
    {
        var reason = new string('x', 498) + string.Concat(Enumerable.Repeat(tail, 100_000));
        await using var test = await ElicitationTest.StartAsync(Policy(), Answer("accept", "reject", reason));

        var result = await test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask().WaitAsync(Patience);
        var rejected = await test.Observer.WaitForAsync(ApprovalStatus.Rejected);

        // Before, the whole reason went to the agent, the audit record and the Slack prompt (which takes 3000
        // characters); cut at 499, the emoji's surrogate pair would have been split.
        var cut = reason[..kept] + "…";
        Assert.True(result.IsError);
        Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
        Assert.Equal(cut, (string?)Refusals.Of(result)["reason"]);
        Assert.Equal(cut, rejected.Reason);
    }

    [Fact]
    public async Task RuleForbiddingSelfApproval_IgnoresTheClientsAnswer_UntilAnApproverDecides()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(""", "allow_self_approval": false"""), Answer("accept", "approve"));

        var call = test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask();
        var pending = await test.Observer.WaitForAsync(ApprovalStatus.Pending);
        await test.Answered.Task.WaitAsync(Patience);
        await test.ClientDecisionSettled(pending.Id);
        var stillPending = test.Decisions.Get(pending.Id)!;
        await test.Decisions.DecideAsync(pending.Id, new ApproverIdentity("alice", null), true, null, null, "api", CancellationToken.None);
        var result = await call.WaitAsync(Patience);

        Assert.Equal(ApprovalStatus.Pending, stillPending.Status);
        Assert.Empty(stillPending.Votes);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("alice", Assert.Single((await test.Observer.WaitForAsync(ApprovalStatus.Approved)).Votes).Approver);
    }

    [Fact]
    public async Task TwoPersonRule_DoesNotCountTheClientsApproval_SoTwoApproversMustDecide()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(""", "approvals": 2"""), Answer("accept", "approve"));

        var call = test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask();
        var pending = await test.Observer.WaitForAsync(ApprovalStatus.Pending);
        await test.ClientDecisionSettled(pending.Id);
        var afterClient = test.Decisions.Get(pending.Id)!;
        await test.Decisions.DecideAsync(pending.Id, new ApproverIdentity("alice", null), true, null, null, "api", CancellationToken.None);
        var afterAlice = test.Decisions.Get(pending.Id)!;
        await test.Decisions.DecideAsync(pending.Id, new ApproverIdentity("bob", null), true, null, null, "api", CancellationToken.None);
        var result = await call.WaitAsync(Patience);

        // Before, the agent (no owner) answered its own prompt as "trader-bot" and was one of the two people.
        Assert.Empty(afterClient.Votes);
        Assert.Equal(ApprovalStatus.Pending, afterAlice.Status);
        Assert.NotEqual(true, result.IsError);
        var approved = await test.Observer.WaitForAsync(ApprovalStatus.Approved);
        Assert.Equal(["alice", "bob"], approved.Votes.Select(v => v.Approver));
    }

    [Theory]
    [InlineData("decline", "", false)]
    [InlineData("cancel", "", false)]
    [InlineData("decline", """, "elicitation_decline": "reject" """, true)]
    public async Task DecliningInTheClient_RejectsOnlyWhenTheRuleSaysSo(string action, string extras, bool rejects)
    {
        var expected = rejects ? ApprovalStatus.Rejected : ApprovalStatus.Pending;
        await using var test = await ElicitationTest.StartAsync(Policy(extras), Answer(action, null));

        var call = test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask();
        var pending = await test.Observer.WaitForAsync(ApprovalStatus.Pending);
        await test.Answered.Task.WaitAsync(Patience);
        await test.ClientDecisionSettled(pending.Id);

        Assert.Equal(expected, test.Decisions.Get(pending.Id)!.Status);
        if (expected == ApprovalStatus.Pending)
        {
            await test.Decisions.DecideAsync(pending.Id, new ApproverIdentity("alice", null), false, "approver said no", null, "api", CancellationToken.None);
        }

        var result = await call.WaitAsync(Patience);
        Assert.Equal("rejected", (string?)Refusals.Of(result)["decision"]);
    }

    [Fact]
    public async Task ClientWithoutElicitation_IsNotAsked_AndStillGetsTheApproversDecision()
    {
        await using var test = await ElicitationTest.StartAsync(Policy(), handler: null);

        var call = test.Client.CallToolAsync("BinanceSpotCancelOpenTWAPOrder", CancelTwap).AsTask();
        var pending = await test.Observer.WaitForAsync(ApprovalStatus.Pending);
        await test.Decisions.DecideAsync(pending.Id, new ApproverIdentity("alice", null), true, null, null, "api", CancellationToken.None);
        var result = await call.WaitAsync(Patience);

        Assert.NotEqual(true, result.IsError);
        Assert.Empty(test.Prompts);
    }

    private static Func<ElicitRequestParams?, ElicitResult> Answer(string action, string? decision, string? reason = null) => _ =>
    {
        var content = new Dictionary<string, JsonElement>();
        if (decision is not null)
        {
            content["decision"] = JsonSerializer.SerializeToElement(decision);
        }

        if (reason is not null)
        {
            content["reason"] = JsonSerializer.SerializeToElement(reason);
        }

        return new ElicitResult { Action = action, Content = action == "accept" ? content : null };
    };

    private sealed class ElicitationTest : IAsyncDisposable
    {
        private ElicitationTest(GatewayHost gateway, McpClient client, RecordingObserver observer, List<ElicitRequestParams> prompts, TaskCompletionSource answered)
        {
            Gateway = gateway;
            Client = client;
            Observer = observer;
            Prompts = prompts;
            Answered = answered;
        }

        public GatewayHost Gateway { get; }

        public McpClient Client { get; }

        public RecordingObserver Observer { get; }

        public List<ElicitRequestParams> Prompts { get; }

        public TaskCompletionSource Answered { get; }

        public IApprovalDecisions Decisions => Gateway.Services.GetRequiredService<IApprovalDecisions>();

        /// <summary>The client's answer has reached the decision service (accepted, refused or ignored) once its log entry exists.</summary>
        public Task ClientDecisionSettled(string approvalId) =>
            Gateway.Services.GetRequiredService<ClientAnswerLog>().WaitForAsync(approvalId).WaitAsync(Patience);

        public static async Task<ElicitationTest> StartAsync(string policy, Func<ElicitRequestParams?, ElicitResult>? handler)
        {
            var observer = new RecordingObserver();
            var answers = new ClientAnswerLog();
            var gateway = await GatewayHost.StartAsync(
                TestUpstreams.Merge(TestUpstreams.DemoStdio(), new Dictionary<string, string?>
                {
                    ["Gateway:Agents:trader-bot:ApiKey"] = "trader-bot-key-0123456789",
                    ["Logging:LogLevel:ApprovalGateway.Proxy"] = "Information",
                }),
                policy,
                builder =>
                {
                    builder.Services.AddSingleton<IApprovalObserver>(observer);
                    builder.Services.AddSingleton(answers);
                    builder.Logging.AddProvider(answers);
                });
            var prompts = new List<ElicitRequestParams>();
            var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var options = new McpClientOptions { ProtocolVersion = "2025-11-25" };
            if (handler is not null)
            {
                options.Handlers = new McpClientHandlers
                {
                    ElicitationHandler = (request, _) =>
                    {
                        lock (prompts)
                        {
                            prompts.Add(request!);
                        }

                        var result = handler(request);
                        answered.TrySetResult();
                        return ValueTask.FromResult(result);
                    },
                };
            }

            var client = await gateway.ConnectAsync(options, bearer: "trader-bot-key-0123456789");
            return new ElicitationTest(gateway, client, observer, prompts, answered);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Gateway.DisposeAsync();
        }
    }
}
