using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ModelContextProtocol.Client;
using static ApprovalGateway.Tests.EndToEnd.WebGateway;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>
/// Time-boxed grants through the real gateway: approvers see the ones in force, and one approver can end a grant
/// early, after which the agent's next call is held again; the audit log says who ended it.
/// </summary>
public sealed class TimeBoxedGrantApiTests : IAsyncLifetime
{
    /// <summary>Approving a TWAP cancel may also allow the agent to repeat it for up to 15 minutes; placing one is open.</summary>
    public const string GrantingPolicy = """
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "BinanceSpotTimeWeightedAveragePriceNewOrder": "allow",
            "BinanceSpotCancelOpenTWAPOrder": {
              "action": "require_approval",
              "approval": { "timeout": 300, "grant_minutes": 15 }
            }
          }
        }
        """;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private WebGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await StartAsync(policy: GrantingPolicy);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task GetGrants_ListsTheGrant_WhenAnApprovalGaveOne()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var approval = await GrantAsync(agent);
        using var alice = _gateway.WithBearer(AliceToken);

        var grants = await alice.GetFromJsonAsync<JsonArray>("/api/grants");

        var grant = Assert.Single(grants!)!.AsObject();
        var approvedAt = approval.ResolvedAt!.Value;
        Assert.Equal(approval.Id, (string?)grant["approval_id"]);
        Assert.Equal("bot", (string?)grant["agent"]);
        Assert.Equal(approval.Request.Upstream, (string?)grant["upstream"]);
        Assert.Equal(CancelTwap, (string?)grant["tool"]);
        Assert.Equal(["alice"], grant["granted_by"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(approval.Request.Rule, (string?)grant["rule"]);
        Assert.Equal(approvedAt, grant["granted_at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(approvedAt.AddMinutes(15), grant["ends_at"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Revoke_MakesTheNextCallWaitForApprovalAgain_AndTheAuditLogSaysWhoRevokedIt()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var approval = await GrantAsync(agent);
        var underGrant = await agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask().WaitAsync(Guard);
        var (bob, csrf) = await _gateway.SignInAsync("bob");
        using var alice = _gateway.WithBearer(AliceToken);

        using var revoke = await PostAsync(bob, $"/api/grants/{approval.Id}/revoke", """{"reason":"the desk closes early"}""", csrf);
        var body = JsonNode.Parse(await revoke.Content.ReadAsStringAsync())!;
        using var again = await PostAsync(bob, $"/api/grants/{approval.Id}/revoke", null, csrf);
        var listed = await alice.GetFromJsonAsync<JsonArray>("/api/grants");
        _gateway.Approvals.Clear();
        var next = agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask();
        var held = await _gateway.Approvals.WaitForAsync(CancelTwap, ApprovalStatus.Pending);
        var record = await _gateway.Audit.WaitForOutcomeAsync("grant_revoked");
        bob.Dispose();

        Assert.NotEqual(true, underGrant.IsError);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(approval.Id, (string?)body["grant"]!["approval_id"]);
        Assert.Equal("bob", (string?)body["revoked_by"]);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Empty(listed!);
        Assert.NotEqual(approval.Id, held.Id);
        Assert.False(next.IsCompleted, "the call after the revocation waits for a human");
        Assert.Equal(("bot", CancelTwap, approval.Request.Upstream, approval.Id), (record.Agent, record.Tool, record.Upstream, record.ApprovalId));
        Assert.Equal(["bob"], record.DecidedBy);
        Assert.Equal("grant_revoked", record.Decision);
        Assert.Equal(approval.Request.Rule, record.Rule);
        Assert.EndsWith("revoked by bob: the desk closes early", record.Reason, StringComparison.Ordinal);
        var chain = AuditChainVerifier.Verify([_gateway.AuditPath], AuditAnchor.Genesis);
        Assert.True(chain.Holds, chain.Problem);
        Assert.Contains(File.ReadLines(_gateway.AuditPath), line => line.Contains("\"outcome\":\"grant_revoked\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Revoke_IsRefusedAndTheGrantStays_WhenTheCallerIsNotSignedInOrSendsNoAntiforgeryToken()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var approval = await GrantAsync(agent);
        using var anonymous = _gateway.Anonymous();
        var (bob, _) = await _gateway.SignInAsync("bob");
        using var alice = _gateway.WithBearer(AliceToken);

        using var unauthenticated = await anonymous.PostAsync(new Uri($"/api/grants/{approval.Id}/revoke", UriKind.Relative), null);
        using var forged = await PostAsync(bob, $"/api/grants/{approval.Id}/revoke", null, csrf: null);
        var listed = await alice.GetFromJsonAsync<JsonArray>("/api/grants");
        using var unauthenticatedList = await anonymous.GetAsync(new Uri("/api/grants", UriKind.Relative));
        var underGrant = await agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask().WaitAsync(Guard);
        bob.Dispose();

        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("anti-forgery", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(approval.Id, (string?)Assert.Single(listed!)!["approval_id"]);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticatedList.StatusCode);
        Assert.NotEqual(true, underGrant.IsError);
        Assert.DoesNotContain(_gateway.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
    }

    [Fact]
    public async Task Revoke_Answers404_WhenNoGrantOfThatApprovalIsInForce()
    {
        using var alice = _gateway.WithBearer(AliceToken);
        const string Unknown = "00000000-0000-0000-0000-000000000000";

        using var response = await alice.PostAsync(new Uri($"/api/grants/{Unknown}/revoke", UriKind.Relative), null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith($"No time-boxed grant of approval {Unknown} is in force", (string?)body["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decision_IsRefusedSayingWhy_AndTheCallStaysHeld_WhenTheBodyMisspellsGrantMinutesOrTheReasonIsTooLong()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var call = agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask();
        var pending = await _gateway.Approvals.WaitForAsync(CancelTwap, ApprovalStatus.Pending);
        using var alice = _gateway.WithBearer(AliceToken);

        // Before, 200: approved, the call released, and no grant, though the approver asked for 15 minutes.
        using var response = await PostAsync(alice, $"/api/approvals/{pending.Id}/decision", """{"decision":"approve","grantMinutes":15}""", csrf: null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using var tooLong = await PostAsync(alice, $"/api/approvals/{pending.Id}/decision", $$"""{"decision":"approve","grant_minutes":15,"reason":"{{new string('x', 501)}}"}""", csrf: null);
        using var retried = await PostAsync(alice, $"/api/approvals/{pending.Id}/decision", """{"decision":"approve","grant_minutes":15}""", csrf: null);
        await call.WaitAsync(Guard);
        var grants = await alice.GetFromJsonAsync<JsonArray>("/api/grants");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("A decision has no field 'grantMinutes'. Expected {\"decision\"", (string?)body["message"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("A reason takes at most 500 characters; this one has 501.", (string?)JsonNode.Parse(await tooLong.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(pending.Id, (string?)Assert.Single(grants!)!["approval_id"]);
    }

    [Fact]
    public async Task Revoke_IsRefusedAndTheGrantStays_WhenTheBodyHasAFieldARevocationDoesNotOrTheReasonIsTooLong()
    {
        await using var agent = await _gateway.ConnectAgentAsync();
        var approval = await GrantAsync(agent);
        using var alice = _gateway.WithBearer(AliceToken);

        // Before, 200: the grant ended and its audit record had no reason, the misspelt one lost.
        using var response = await PostAsync(alice, $"/api/grants/{approval.Id}/revoke", """{"reson":"the desk closes early"}""", csrf: null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using var tooLong = await PostAsync(alice, $"/api/grants/{approval.Id}/revoke", $$"""{"reason":"{{new string('x', 501)}}"}""", csrf: null);
        var listed = await alice.GetFromJsonAsync<JsonArray>("/api/grants");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("""A revocation has no field 'reson'. Expected no body or {"reason":"..."}""", (string?)body["message"]);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(approval.Id, (string?)Assert.Single(listed!)!["approval_id"]);
        Assert.DoesNotContain(_gateway.Audit.Recent(1000), r => r.Outcome == "grant_revoked");
    }

    /// <summary>Holds a TWAP cancel, has alice approve it with a 15-minute grant through the API, and waits for the release.</summary>
    private async Task<ApprovalSnapshot> GrantAsync(McpClient agent)
    {
        var call = agent.CallToolAsync(CancelTwap, CancelArguments(await PlaceTwapAsync(agent))).AsTask();
        var pending = await _gateway.Approvals.WaitForAsync(CancelTwap, ApprovalStatus.Pending);
        using var alice = _gateway.WithBearer(AliceToken);
        using var decision = await alice.PostAsJsonAsync($"/api/approvals/{pending.Id}/decision", new { decision = "approve", grant_minutes = 15 });
        Assert.Equal(HttpStatusCode.OK, decision.StatusCode);
        Assert.NotEqual(true, (await call.WaitAsync(Guard)).IsError);
        return await _gateway.Approvals.WaitForAsync(CancelTwap, ApprovalStatus.Approved);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? json, string? csrf)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-TOKEN", csrf);
        }

        return await client.SendAsync(request);
    }
}
