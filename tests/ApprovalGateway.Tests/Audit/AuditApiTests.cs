using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Tests.Auth;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.DependencyInjection;
using static ApprovalGateway.Tests.Audit.AuditSamples;

namespace ApprovalGateway.Tests.Audit;

public sealed class AuditApiTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task GetAudit_ReturnsMatchingRecordsNewestFirst_ForAnApprover()
    {
        await using var app = await StartAsync();
        await SeedAsync(app);

        var byAgentTool = await GetJsonAsync(app, "/api/audit?agent=a&tool=x");
        var denied = await GetJsonAsync(app, "/api/audit?decision=denied&outcome=denied");
        var window = await GetJsonAsync(app, "/api/audit?since=2026-11-25T09:02:00Z&until=2026-11-25T09:04:00Z&limit=1");

        Assert.Equal(["session-4", "session-1"], byAgentTool.Select(r => r!["session_id"]!.GetValue<string>()));
        Assert.Equal(["session-2"], denied.Select(r => r!["session_id"]!.GetValue<string>()));
        Assert.Equal(["session-3"], window.Select(r => r!["session_id"]!.GetValue<string>()));
        Assert.Equal("x", byAgentTool[0]!["tool"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetAudit_GivesEachRecordTheSeqAndHashOfItsLine()
    {
        await using var app = await StartAsync();
        await SeedAsync(app);

        var records = await AuditApiApp.SearchAsync(app);

        // Before, neither was in the answer, so a record found could not be matched to its line or to verify-audit's head.
        var lines = (await File.ReadAllLinesAsync(dir.File("audit.jsonl"))).Select(l => JsonNode.Parse(l)!).Reverse().ToList();
        Assert.Equal([4L, 3L, 2L, 1L], records.Select(r => r!["seq"]!.GetValue<long>()));
        Assert.Equal(lines.Select(l => l["hash"]!.GetValue<string>()), records.Select(r => r!["hash"]!.GetValue<string>()));
    }

    [Fact]
    public async Task AppendAsync_TellsTheObservers_OnceTheRecordIsStored()
    {
        var observer = new CountingObserver();
        await using var app = await AuditApiApp.StartAsync(
            new Dictionary<string, string?> { ["Gateway:Audit:Path"] = dir.File("audit.jsonl") },
            services => services.AddSingleton<IAuditObserver>(observer));

        // Before, nothing heard of a record once written, so the page's Audit tab could not offer it.
        await SeedAsync(app);

        Assert.Equal(4, observer.Count);
    }

    [Fact]
    public async Task GetAuditCsv_ExportsHeaderAndRows_ForAnApprover()
    {
        await using var app = await StartAsync();
        await SeedAsync(app);

        using var response = await SendAsync(app, "/api/audit.csv?agent=b");
        var csv = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(AuditCsv.Header, lines[0]);
        Assert.Single(lines, l => l.Contains(",b,session-2,", StringComparison.Ordinal));
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public async Task GetAuditCsv_ExportsEveryRecord_WhenThereAreMoreThanTenThousand()
    {
        const int count = 10_050;
        await File.WriteAllTextAsync(dir.File("audit.jsonl"), string.Concat(Chain(count).Select(r => r.Line + "\n")));
        await using var app = await StartAsync();

        // Before, the export stopped at 10,000 records and said nothing: an admin exporting a week got part of it.
        var lines = await AuditApiApp.ExportCsvAsync(app);
        var window = await AuditApiApp.ExportCsvAsync(app, $"?since={Uri.EscapeDataString($"{Start.AddMinutes(1):O}")}&until={Uri.EscapeDataString($"{Start.AddMinutes(count):O}")}");

        Assert.Equal(count + 1, lines.Length);
        Assert.Contains($",session-{count},", lines[1], StringComparison.Ordinal);
        Assert.Contains(",session-1,", lines[^1], StringComparison.Ordinal);
        Assert.Equal(count, window.Length);
    }

    [Fact]
    public async Task GetAuditCsv_ExportsFormulaTextAsInertCells_WhenAnAgentChoseIt()
    {
        await using var app = await StartAsync();
        var audit = app.App.Services.GetRequiredService<IAuditLog>();
        var formula = "=HYPERLINK(\"https://evil.example\",\"click\")";
        await audit.AppendAsync(
            Record(1, tool: formula, reason: "@SUM(A1:A9)") with { Arguments = new JsonObject { ["note"] = formula } },
            CancellationToken.None);

        using var response = await SendAsync(app, "/api/audit.csv");
        var row = (await response.Content.ReadAsStringAsync()).Split("\r\n")[1];

        Assert.Contains(""","'=HYPERLINK(""https://evil.example"",""click"")",""", row, StringComparison.Ordinal);
        Assert.Contains(""","'@SUM(A1:A9)",""", row, StringComparison.Ordinal);
        Assert.Contains(""","{""note"":""=HYPERLINK(""", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAudit_Refuses_WhenCallerIsNotAnApproverOrLimitIsOutOfRange()
    {
        await using var app = await StartAsync();

        using var anonymous = await app.Client.GetAsync("/api/audit");
        using var csvAnonymous = await app.Client.GetAsync("/api/audit.csv");
        using var agentKey = await SendAsync(app, "/api/audit", AuthTestApp.AgentKey);
        using var badLimit = await SendAsync(app, "/api/audit?limit=0");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, csvAnonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, agentKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
    }

    [Fact]
    public async Task GetAudit_ReadsThePolicysWordsAndAnyCase_AndRefusesAnUnknownDecisionSayingWhichWordsExist()
    {
        await using var app = await StartAsync();
        await SeedAsync(app);

        // Before, both answered an empty list, and an admin concluded no call had been denied.
        var policyWords = await GetJsonAsync(app, "/api/audit?decision=deny&outcome=DENIED");
        using var unknown = await SendAsync(app, "/api/audit?decision=maybe");
        var problem = await unknown.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(["session-2"], policyWords.Select(r => r!["session_id"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.StartsWith("decision must be one of allowed, hidden, denied, rate_limited, approval_required,", problem?["detail"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("(or the policy's allow, deny, hide, require_approval), not 'maybe'.", problem?["detail"]?.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Before, a parameter the search does not take was ignored: every record came back as if filtered by it.</summary>
    [Fact]
    public async Task GetAuditAndItsCsv_RefuseAParameterTheSearchDoesNotTake_SayingWhichItTakes()
    {
        await using var app = await StartAsync();
        await SeedAsync(app);

        using var json = await SendAsync(app, "/api/audit?from=2026-11-25T09:02:00Z");
        using var csv = await SendAsync(app, "/api/audit.csv?Agent=a&session=x");
        var sinceInAnyCase = await GetJsonAsync(app, "/api/audit?SINCE=2999-01-01T00:00:00Z");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (json.StatusCode, csv.StatusCode));
        Assert.Equal(
            "The audit search takes no 'from'; it takes agent, tool, decision, outcome, since, until and limit.",
            (await json.Content.ReadFromJsonAsync<JsonObject>())?["detail"]?.GetValue<string>());
        Assert.StartsWith("The audit search takes no 'session';", (await csv.Content.ReadFromJsonAsync<JsonObject>())?["detail"]?.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(sinceInAnyCase);
    }

    [Fact]
    public async Task GetAudit_OutcomeApproved_FindsTheHeldCallsThatWentOn_AndAgentIgnoresCase()
    {
        await using var app = await StartAsync();
        var audit = app.App.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(Record(1, agent: "Bot1", decision: "approval_required", outcome: "forwarding"), CancellationToken.None);
        await audit.AppendAsync(Record(2, agent: "Bot1", decision: "approval_required", outcome: "forwarded"), CancellationToken.None);
        await audit.AppendAsync(Record(3, agent: "Bot1", decision: "approval_required", outcome: "rejected"), CancellationToken.None);
        await audit.AppendAsync(Record(4, agent: "bot1", decision: "allowed", outcome: "forwarded"), CancellationToken.None);

        // Before, the page's "Approved" filter and ?outcome=approved answered nothing: no record has that outcome.
        var approved = await GetJsonAsync(app, "/api/audit?outcome=approved&agent=BOT1");

        Assert.Equal(["session-2", "session-1"], approved.Select(r => r!["session_id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task GetAudit_MatchesPartOfTheToolAndAgentNames_InAnyCase()
    {
        await using var app = await StartAsync();
        var audit = app.App.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(Record(1, agent: "trader-bot", tool: "exchange_place_order"), CancellationToken.None);
        await audit.AppendAsync(Record(2, agent: "research-bot", tool: "exchange_get_ticker"), CancellationToken.None);
        await audit.AppendAsync(Record(3, agent: "Trader-Bot", tool: "exchange_cancel_order"), CancellationToken.None);

        // Before, "order" and "TRADER" found nothing: only a tool's or agent's whole name did.
        var orders = await GetJsonAsync(app, "/api/audit?tool=ORDER&agent=trader");

        Assert.Equal(["session-3", "session-1"], orders.Select(r => r!["session_id"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("since=yesterday", "since must be a time such as 2026-11-26T09:00:00Z, not 'yesterday'.")]
    [InlineData("until=2026-13-45", "until must be a time such as 2026-11-26T18:00:00Z, not '2026-13-45'.")]
    [InlineData("limit=ten", "limit must be a whole number from 1 to 1000, not 'ten'.")]
    [InlineData("limit=99999999999", "limit must be a whole number from 1 to 1000, not '99999999999'.")]
    [InlineData("since=2026-11-25T10:00:00Z&until=2026-11-25T09:00:00Z", "since must not be after until.")]
    public async Task GetAudit_RefusesAFilterThatDoesNotParse_SayingWhich(string query, string message)
    {
        await using var app = await StartAsync();

        using var response = await SendAsync(app, "/api/audit?" + query);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, problem?["detail"]?.GetValue<string>());
    }

    private Task<LoopbackApp> StartAsync() =>
        AuditApiApp.StartAsync(new Dictionary<string, string?> { ["Gateway:Audit:Path"] = dir.File("audit.jsonl") });

    private static async Task SeedAsync(LoopbackApp app)
    {
        var audit = app.App.Services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(Record(1, agent: "a", tool: "x"), CancellationToken.None);
        await audit.AppendAsync(Record(2, agent: "b", tool: "x", decision: "denied", outcome: "denied"), CancellationToken.None);
        await audit.AppendAsync(Record(3, agent: "a", tool: "y"), CancellationToken.None);
        await audit.AppendAsync(Record(4, agent: "a", tool: "x"), CancellationToken.None);
    }

    private static async Task<JsonArray> GetJsonAsync(LoopbackApp app, string path)
    {
        using var response = await SendAsync(app, path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonArray>())!;
    }

    private static async Task<HttpResponseMessage> SendAsync(LoopbackApp app, string path, string token = AuthTestApp.AliceToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await app.Client.SendAsync(request);
    }

    private sealed class CountingObserver : IAuditObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void OnAppended() => Interlocked.Increment(ref _count);
    }
}
