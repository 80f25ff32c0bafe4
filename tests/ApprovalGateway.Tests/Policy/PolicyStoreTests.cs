using System.Text.Json;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Policy;

public sealed class PolicyStoreTests : IDisposable
{
    private const string Limited = """{ "default": "deny", "tools": { "BinanceNewOrder": { "rate_limit": { "max": 2, "window": 60 } } } }""";

    private readonly string _dir = Directory.CreateTempSubdirectory("policy-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reload_AppliesAGoodEdit_WithoutRestart()
    {
        using var store = CreateStore("""{ "default": "deny" }""");
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        Assert.Equal(DecisionKind.Denied, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);

        await EditAndWaitForReload(store, """{ "default": "allow" }""");

        Assert.Equal(DecisionKind.Allowed, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);
        Assert.Null(store.LastError);
    }

    [Fact]
    public async Task Reload_KeepsTheLastGoodPolicy_AndRecordsTheError_WhenTheEditIsBroken()
    {
        using var store = CreateStore("""{ "default": "allow" }""");
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));

        await EditAndWaitForReload(store, "{\n  \"default\": \"allow\",\n  \"hide\": [\"a b\"]\n}");

        Assert.Equal(DecisionKind.Allowed, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);
        Assert.StartsWith($"{store.SourcePath}:3: hide: invalid glob \"a b\"", store.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_KeepsRateLimitCounters()
    {
        using var store = CreateStore(Limited);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        await engine.DecideAsync(Call("BinanceNewOrder"));
        await engine.DecideAsync(Call("BinanceNewOrder"));

        await EditAndWaitForReload(store, Limited.Replace("\"deny\"", "\"require_approval\"", StringComparison.Ordinal));

        Assert.Equal(DecisionKind.ApprovalRequired, (await engine.DecideAsync(Call("Other", RiskClass.Medium))).Kind);
        Assert.Equal(DecisionKind.RateLimited, (await engine.DecideAsync(Call("BinanceNewOrder"))).Kind);
    }

    [Fact]
    public void Constructor_Throws_WithFileAndLine_WhenThePolicyIsInvalidAtStartup()
    {
        var error = Assert.Throws<PolicyLoadException>(() => CreateStore("{\n  \"default\": \"sometimes\"\n}"));

        Assert.Contains("policy.json:2: \"default\": unknown action \"sometimes\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ResolvesTheRelativePath_AgainstTheContentRoot()
    {
        using var store = CreateStore("{}");

        Assert.Equal(Path.Combine(_dir, "policies", "policy.json"), store.SourcePath);
    }

    private PolicyStore CreateStore(string json)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "policies"));
        File.WriteAllText(Path.Combine(_dir, "policies", "policy.json"), json);
        var options = Options.Create(new PolicyOptions { ReloadDebounce = TimeSpan.FromMilliseconds(50) });
        var environment = new HostingEnvironment { ContentRootPath = _dir };
        return new PolicyStore(options, environment, NullLogger<PolicyStore>.Instance, TimeProvider.System);
    }

    private static async Task EditAndWaitForReload(PolicyStore store, string json)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = store.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);
        await File.WriteAllTextAsync(store.SourcePath, json);
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static ToolCallFacts Call(string tool, RiskClass risk = RiskClass.Low) =>
        new(tool, "exchange", null, "session-1", JsonDocument.Parse("{}").RootElement, new ToolRisk(ToolCategory.Write, risk, "test"));
}
