using System.Net;
using ApprovalGateway.Slack;
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

        var posts = (await scenario.Slack.WaitForRequestsAsync("chat.postMessage", 3)).Select(r => r.StatusCode).ToList();
        Assert.Equal([500, 429, 200], posts);
        Assert.Single(scenario.Slack.Messages);

        using var click = await scenario.ClickAsync(Alice, SlackActionIds.Approve, id);
        Assert.Equal(HttpStatusCode.OK, click.StatusCode);
        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        await scenario.WaitForPromptTextAsync(id, $"Approved by <@{Alice.Slack.Id}>");
        Assert.Single(scenario.Slack.Messages);
    }
}
