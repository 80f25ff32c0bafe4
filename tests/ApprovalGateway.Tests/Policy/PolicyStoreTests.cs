using System.Runtime.InteropServices;
using System.Text.Json;
using ApprovalGateway.Agents;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Policy;

public sealed partial class PolicyStoreTests : IDisposable
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
    public async Task Poll_AppliesAKubernetesConfigMapUpdate_ThatNoFileEventNames()
    {
        // A ConfigMap volume: policy.json -> ..data/policy.json, ..data -> ..2026_11_26_01; an update writes a new
        // timestamped folder and renames a new ..data symlink over the old one, so nothing named policy.json changes.
        var volume = Directory.CreateDirectory(Path.Combine(_dir, "policies")).FullName;
        WriteConfigMapVersion(volume, "..2026_11_26_01", """{ "default": "deny" }""");
        File.CreateSymbolicLink(Path.Combine(volume, "..data"), "..2026_11_26_01");
        File.CreateSymbolicLink(Path.Combine(volume, "policy.json"), Path.Combine("..data", "policy.json"));
        var time = new SerialFakeTimeProvider();
        using var store = CreateStore(time);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        Assert.Equal(DecisionKind.Denied, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);

        WriteConfigMapVersion(volume, "..2026_11_26_02", """{ "default": "allow" }""");
        File.CreateSymbolicLink(Path.Combine(volume, "..data_tmp"), "..2026_11_26_02");
        Assert.Equal(0, Rename(Path.Combine(volume, "..data_tmp"), Path.Combine(volume, "..data")));
        time.Advance(PollInterval);

        Assert.Equal(DecisionKind.Allowed, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);
    }

    [Fact]
    public async Task Reload_KeepsTheLastGoodPolicy_AndSaysTheFileIsGone_AsSoonAsItIsDeleted()
    {
        // No poll: before, only the poll noticed a deleted file, 5 s later, while its edits applied within a second.
        using var store = CreateStore("{ \"default\": \"allow\" }", pollInterval: TimeSpan.Zero);
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = store.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);

        File.Delete(store.SourcePath);
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal($"{store.SourcePath}: cannot read the policy file: no such file", store.LastError);
        Assert.Equal(DecisionKind.Allowed, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);
    }

    [Fact]
    public void Poll_LeavesAnUnchangedFileAlone_EvenWhenItIsBroken()
    {
        var time = new SerialFakeTimeProvider();
        using var store = CreateStore("""{ "default": "allow" }""", time);
        File.WriteAllText(store.SourcePath, """{ "default": "sometimes" }""");
        time.Advance(PollInterval);
        Assert.NotNull(store.LastError);
        var loadedAt = store.LoadedAt;
        var reloaded = store.GetReloadToken();

        time.Advance(PollInterval * 3);

        // Read again but not reloaded: no reload token fires and the error is not logged anew every interval.
        Assert.False(reloaded.HasChanged);
        Assert.Equal(loadedAt, store.LoadedAt);
    }

    [Fact]
    public void Poll_RereadsABrokenFile_WhoseBytesChangeWhileItStaysUnreadable()
    {
        var time = new SerialFakeTimeProvider();
        using var store = CreateStore("""{ "default": "allow" }""", time);
        File.WriteAllBytes(store.SourcePath, [.. "{ \"default\": \"caf"u8, 0xE9, .. "\" }"u8]);
        time.Advance(PollInterval);
        Assert.Contains("line 1 holds a byte that is not UTF-8 (0xE9)", store.LastError, StringComparison.Ordinal);

        File.WriteAllBytes(store.SourcePath, [.. "{\n  \"default\": \"caf"u8, 0xE8, .. "\" }"u8]);
        time.Advance(PollInterval);

        // Before, neither file had text, so the poll took the second for the first and the error named the old line.
        Assert.Contains("line 2 holds a byte that is not UTF-8 (0xE8)", store.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_JoinsTheErrorsIntoOneSentence_WithoutDoublePunctuation_WhenTheFileIsNotJson()
    {
        var time = new SerialFakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 30, 0, TimeSpan.Zero));
        using var store = CreateStore("""{ "default": "allow" }""", time);
        File.WriteAllText(store.SourcePath, "{ \"default\": \"allow\"\n  \"hide\": [] }");
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(store.Reload());

        // Before: "… Expected either ',', '}', or ']'.; the last good policy …", the reader's full stop kept.
        Assert.Equal(
            $"Policy reload rejected since 2026-11-27 09:31:00Z: {store.SourcePath}:2: invalid JSON at column 3: '\"' is invalid after a value. Expected either ',', '}}', or ']'; "
            + "the last good policy (loaded 2026-11-27 09:30:00Z) is in force; the gateway will not start with this file.",
            store.Problem);
    }

    [Fact]
    public async Task LoadAndReload_WarnOfAgentsAndApproversTheGatewayDoesNotHave_UntilTheyAreFixed()
    {
        var log = new PolicyWarningLog();
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef" };
        var approvers = new ApproverOptions();
        approvers.Approvers["bob"] = new ApproverSettings();
        var references = new PolicyReferenceCheck(agents, approvers, stdio: false, slack: true);
        // With the line of what each is about, as the parser's own warnings have it (before, with no line at all).
        var ghost = "line 3: agents.ghost applies to no one: no agent of this gateway is named \"ghost\" (its agents: bot1)";
        using var store = CreateStore("{\n  \"agents\": {\n    \"ghost\": { \"default\": \"deny\" }\n  }\n}", references: references, logger: log.For<PolicyStore>());

        Assert.Equal([ghost], store.Warnings);
        Assert.Equal([$"Policy {store.SourcePath}: {ghost}"], log.Lines);

        await EditAndWaitForReload(store, """{ "agents": { "BOT1": { "default": "deny" } } }""");
        Assert.Empty(store.Warnings);

        await EditAndWaitForReload(store, """{ "tools": { "X": { "action": "require_approval", "approval": { "approvers": ["bobb", "bob"] } } } }""");
        var bobb = "line 1: tools[\"X\"].approval.approvers: \"bobb\" is neither the name nor the SlackUserId of a configured approver, so it can never decide these calls";
        Assert.Equal([bobb], store.Warnings);
        Assert.Equal($"Policy {store.SourcePath}: {bobb}", log.Lines[^1]);
    }

    [Fact]
    public void Load_ListsSettingsThatCanNeverDoAnything_AmongItsWarnings_AndLogsThem()
    {
        var log = new PolicyWarningLog();
        using var store = CreateStore("{\n  \"tools\": { \"X\": { \"action\": \"allow\", \"approval\": { \"timeout\": 60 } } }\n}", logger: log.For<PolicyStore>());

        var inert = "line 2: tools[\"X\"].approval never applies: its action is allow, not require_approval, so this rule holds no call for approval";
        Assert.Equal([inert], store.Warnings);
        Assert.Equal([$"Policy {store.SourcePath}: {inert}"], log.Lines);
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

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private PolicyStore CreateStore(
        string json, TimeProvider? time = null, PolicyReferenceCheck? references = null, ILogger<PolicyStore>? logger = null, TimeSpan? pollInterval = null)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "policies"));
        File.WriteAllText(Path.Combine(_dir, "policies", "policy.json"), json);
        return CreateStore(time ?? TimeProvider.System, references, logger, pollInterval);
    }

    private PolicyStore CreateStore(TimeProvider time, PolicyReferenceCheck? references = null, ILogger<PolicyStore>? logger = null, TimeSpan? pollInterval = null)
    {
        var options = Options.Create(new PolicyOptions { ReloadDebounce = TimeSpan.FromMilliseconds(50), PollInterval = pollInterval ?? PollInterval });
        var environment = new HostingEnvironment { ContentRootPath = _dir };
        return new PolicyStore(options, environment, logger ?? NullLogger<PolicyStore>.Instance, time, references);
    }

    /// <summary>rename(2), which replaces a symlink atomically as Kubernetes' atomic writer does; File.Move follows it.</summary>
    [DllImport("libc", EntryPoint = "rename", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Rename(string oldPath, string newPath);

    private static void WriteConfigMapVersion(string volume, string version, string json)
    {
        Directory.CreateDirectory(Path.Combine(volume, version));
        File.WriteAllText(Path.Combine(volume, version, "policy.json"), json);
    }

    /// <summary>
    /// Replaces the file whole (written beside it, then moved over it) and waits for the reload. Written in place,
    /// the watcher could fire between the truncation and the write: that reload read an empty or partial file, failed
    /// and fired the token, and the test checked the policy before the whole file was read.
    /// </summary>
    private static async Task EditAndWaitForReload(PolicyStore store, string json)
    {
        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = store.GetReloadToken().RegisterChangeCallback(_ => reloaded.TrySetResult(), null);
        await SaveWholeAsync(store.SourcePath, json);
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Writes the file beside it, then moves it over it: no read by the watcher or the poll finds it empty or half written.</summary>
    private static async Task SaveWholeAsync(string path, string json)
    {
        var written = path + ".edit";
        await File.WriteAllTextAsync(written, json);
        File.Move(written, path, overwrite: true);
    }

    private static ToolCallFacts Call(string tool, RiskClass risk = RiskClass.Low) =>
        new(tool, "exchange", null, "session-1", JsonDocument.Parse("{}").RootElement, new ToolRisk(ToolCategory.Write, risk, "test"));
}
