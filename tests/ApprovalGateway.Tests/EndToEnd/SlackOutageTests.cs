using System.Net;
using ApprovalGateway.Slack;
using ApprovalGateway.Tests.Slack;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Slack failing for a while delays the prompt; it neither loses nor duplicates it.</summary>
public sealed class SlackOutageTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prompt_IsPostedOnceAndStillWorks_WhenSlackAnswers500Then429First()
    {
        await using var scenario = await StartAsync(Hold(CancelTwap, """{ "timeout": 120 }"""));
        await using var agent = await scenario.ConnectAsync();
        scenario.Slack.FailNext(1, HttpStatusCode.InternalServerError);
        scenario.Slack.RateLimitNext(1, TimeSpan.FromSeconds(1));

        var call = agent.CallToolAsync(CancelTwap, CancelTwapArgs(123)).AsTask();
        var (_, id) = await scenario.WaitForPromptAsync(CancelTwap);

        // After a failed post the retry first looks for that post in the channel (Slack may have made it), and waits
        // out the rate limit there.
        await scenario.Slack.WaitForRequestsAsync("chat.postMessage", 2);
        var calls = scenario.Slack.Requests.Where(r => r.Method != FakeSlackServer.ResponseUrlMethod).Select(r => $"{r.Method} {r.StatusCode}").ToList();
        Assert.Equal(["chat.postMessage 500", "conversations.history 429", "conversations.history 200", "chat.postMessage 200"], calls);
        Assert.Single(scenario.Slack.Messages);

        using var click = await scenario.ClickAsync(Alice, SlackActionIds.Approve, id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        await scenario.WaitForPromptTextAsync(id, $"Approved by <@{Alice.Slack.Id}>");
        Assert.Single(scenario.Slack.Messages);
    }
}
