using System.Text.Json.Nodes;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Upstreams;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Policy;

public sealed class ToolCatalogApiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void List_GivesEachToolItsClassificationAndAction_ForTheNamedAgent()
    {
        File.WriteAllText(Path.Combine(_dir, "policy.json"), """
        { "default": "deny", "hide": ["Hidden"],
          "classify": { "BinanceTicker": { "risk": "medium", "reason": "we watch it" } },
          "risk": { "medium": "require_approval" },
          "agents": { "alice": { "tools": { "BinanceTicker": { "rate_limit": { "max": 5, "window": 60, "per": "agent" } } } } } }
        """);
        using var store = new PolicyStore(Options.Create(new PolicyOptions { Path = "policy.json" }), new HostingEnvironment { ContentRootPath = _dir }, NullLogger<PolicyStore>.Instance, TimeProvider.System);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        var catalog = new FakeCatalog([
            new UpstreamTool("BinanceTicker", "exchange", "BinanceTicker", [], new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "name verb")),
            new UpstreamTool("Hidden", "exchange", "Hidden", [], new ToolRisk(ToolCategory.Write, RiskClass.Medium, "x")),
        ]);

        var anyone = ToolCatalogApi.List(catalog, engine, null).Value!;
        var alice = ToolCatalogApi.List(catalog, engine, "alice").Value!;

        Assert.Equal(new ToolCatalogEntry("BinanceTicker", "exchange", "read-only", "medium", "we watch it (policy classify[\"BinanceTicker\"])", "approval_required", "risk.medium", false, null), anyone[0] with { Conditions = null });
        Assert.Empty(anyone[0].Conditions!);
        Assert.Equal(("hidden", "hide[\"Hidden\"]"), (anyone[1].Action, anyone[1].Rule));
        Assert.Equal(("allowed", "5 per 60 s per agent"), (alice[0].Action, alice[0].RateLimit));
    }

    [Fact]
    public async Task List_NamesItsFieldsInSnakeCase_AsTheOtherApiAnswersDo()
    {
        File.WriteAllText(Path.Combine(_dir, "policy.json"), """
        { "default": "deny", "tools": { "BinanceTicker": { "action": "allow", "rate_limit": { "max": 5, "window": 60 } } } }
        """);
        using var store = new PolicyStore(Options.Create(new PolicyOptions { Path = "policy.json" }), new HostingEnvironment { ContentRootPath = _dir }, NullLogger<PolicyStore>.Instance, TimeProvider.System);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        var catalog = new FakeCatalog([
            new UpstreamTool("BinanceTicker", "exchange", "BinanceTicker", [], new ToolRisk(ToolCategory.ReadOnly, RiskClass.Low, "name verb")),
        ]);
        var http = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
            Response = { Body = new MemoryStream() },
        };

        await ToolCatalogApi.List(catalog, engine, null).ExecuteAsync(http);

        http.Response.Body.Position = 0;
        var entry = JsonNode.Parse(http.Response.Body)!.AsArray().Single()!.AsObject();

        // Before, "rateLimit", where /api/approvals, /api/audit and /api/policy answer in snake_case.
        Assert.Equal(
            ["name", "upstream", "category", "risk", "reason", "action", "rule", "conditional", "rate_limit", "conditions"],
            entry.Select(p => p.Key));
        Assert.Equal("5 per 60 s per session", entry["rate_limit"]!.GetValue<string>());
    }

    /// <summary>A rule that allows unless its condition holds must not read as plainly "allowed".</summary>
    [Fact]
    public void List_SaysWhatEachConditionMakesOfTheCall_WhenTheRuleHasConditions()
    {
        File.WriteAllText(Path.Combine(_dir, "policy.json"), """
        { "default": "deny",
          "tools": { "BinanceNewOrder": { "action": "allow", "when": [
            { "if": "args.quantity * args.price > 1000", "action": "require_approval" },
            { "if": "args.symbol == 'SHIB'", "action": "deny" } ] } } }
        """);
        using var store = new PolicyStore(Options.Create(new PolicyOptions { Path = "policy.json" }), new HostingEnvironment { ContentRootPath = _dir }, NullLogger<PolicyStore>.Instance, TimeProvider.System);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        var catalog = new FakeCatalog([
            new UpstreamTool("BinanceNewOrder", "exchange", "BinanceNewOrder", [], new ToolRisk(ToolCategory.Destructive, RiskClass.Critical, "x")),
        ]);

        var entry = Assert.Single(ToolCatalogApi.List(catalog, engine, null).Value!);

        Assert.Equal("allowed", entry.Action);
        Assert.Equal(["approval_required when args.quantity * args.price > 1000", "denied when args.symbol == 'SHIB'"], entry.Conditions);
    }

    private sealed class FakeCatalog(IReadOnlyList<UpstreamTool> tools) : IToolCatalog
    {
        public IReadOnlyList<UpstreamTool> Tools => tools;

        public bool TryGet(string name, out UpstreamTool tool)
        {
            tool = tools.FirstOrDefault(t => t.Name == name)!;
            return tool is not null;
        }
    }
}
