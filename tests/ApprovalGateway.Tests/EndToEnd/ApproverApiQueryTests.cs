using System.Net;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using static ApprovalGateway.Tests.EndToEnd.WebGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// The approver API's lists refuse a query they cannot honour, naming what is wrong, rather than answering as if it
/// had been honoured: a script that misspells a filter would otherwise act on everything.
/// </summary>
public sealed class ApproverApiQueryTests : IAsyncLifetime
{
    private WebGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [InlineData("/api/approvals?state=pending", "The approval list takes no 'state'; it takes only status.")]
    [InlineData("/api/grants?agent=bot", "The grant list takes no 'agent'; it takes no parameters.")]
    [InlineData("/api/tools?agnet=bot", "The tool list takes no 'agnet'; it takes only agent.")]
    [InlineData("/api/audit?from=2026-11-29", "The audit search takes no 'from'; it takes agent, tool, decision, outcome, since, until and limit.")]
    [InlineData("/api/audit?agent=bot&agent=alice", "The audit search takes agent once, not 2 times.")]
    [InlineData("/api/approvals?status=pending&status=approved", "The approval list takes status once, not 2 times.")]
    public async Task List_Answers400NamingTheParameter_WhenTheQueryGivesOneItDoesNotTakeOrOneTwice(string path, string expected)
    {
        using var alice = _gateway.WithBearer(AliceToken);

        // Before, 200 with every approval (any status), every grant, every tool's action for no agent in particular;
        // for a parameter given twice, a search for the one value "bot,alice".
        using var response = await alice.GetAsync(new Uri(path, UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, (string?)(body["message"] ?? body["detail"]));
    }

    [Theory]
    [InlineData("pending,approved")]
    [InlineData("1")]
    public async Task ApprovalList_Answers400_WhenTheStatusIsNotOneOfItsNames(string status)
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var held = agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask();
        await _gateway.Approvals.WaitForAsync(CancelTwap, ApprovalStatus.Pending);
        using var alice = _gateway.WithBearer(AliceToken);

        // Before, both read as "approved" (1, and pending|approved OR-ed): an empty list, the held call not in it.
        using var response = await alice.GetAsync(new Uri($"/api/approvals?status={Uri.EscapeDataString(status)}", UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"Unknown status '{status}'; use pending, approved, rejected, expired or withdrawn", (string?)body["message"]);
        Assert.False(held.IsCompleted);
    }
}
