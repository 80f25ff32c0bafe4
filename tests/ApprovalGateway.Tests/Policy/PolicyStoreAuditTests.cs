using System.Security.Cryptography;
using System.Threading.Channels;
using ApprovalGateway.Audit;
using ApprovalGateway.Cli;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Tests.EndToEnd;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApprovalGateway.Tests.Policy;

/// <summary>The audit log says which policy was in force when: each one applied, each edit rejected, once per change.</summary>
public sealed partial class PolicyStoreTests
{
    [Fact]
    public async Task Audit_RecordsThePolicyAtStartup_AndEachAppliedEdit_WithTheSha256OfTheFile_AndTheChainVerifies()
    {
        using var store = CreateStore("""{ "default": "deny", "tools": { "BinanceTicker": { "action": "allow" } } }""");
        var startupHash = Sha256(store.SourcePath);
        await using var audit = new RecordedAudit(Path.Combine(_dir, "audit", "audit.jsonl"));
        using var writer = new PolicyChangeAudit(store, audit, NullLogger<PolicyChangeAudit>.Instance);
        await writer.StartAsync(CancellationToken.None);

        var loaded = await audit.NextAsync();
        Assert.Equal(("policy_loaded", "policy_loaded"), (loaded.Decision, loaded.Outcome));
        Assert.Equal($"policy {store.SourcePath} (sha256 {startupHash}) applied at startup: 1 rule, default deny", loaded.Reason);
        Assert.Equal((null, "", "", "", null, ""), (loaded.Agent, loaded.SessionId, loaded.Upstream, loaded.Tool, loaded.Arguments, loaded.ArgumentsSha256));
        Assert.Equal((store.SourcePath, startupHash, startupHash), (loaded.PolicyPath, loaded.PolicySha256, loaded.PolicyInForceSha256));

        await EditAndWaitForReload(store, """{ "default": "allow" }""");
        var edited = await audit.NextAsync();
        var editedHash = Sha256(store.SourcePath);
        Assert.NotEqual(startupHash, editedHash);
        Assert.Equal("policy_loaded", edited.Outcome);
        Assert.StartsWith($"policy {store.SourcePath} (sha256 {editedHash}) applied: 0 rules, default allow", edited.Reason, StringComparison.Ordinal);
        Assert.Equal((store.SourcePath, editedHash, editedHash), (edited.PolicyPath, edited.PolicySha256, edited.PolicyInForceSha256));

        await writer.StopAsync(CancellationToken.None);
        await audit.DisposeAsync();
        using var output = new StringWriter();
        Assert.Equal(0, VerifyAuditCommand.Run([audit.Path], AuditAnchor.Genesis, output));
        Assert.Contains("2 records, chain intact", output.ToString(), StringComparison.Ordinal);

        // Fields of their own, in the chain: before, the hash was only inside the reason's sentence.
        var lines = File.ReadAllLines(audit.Path).Select(l => AuditChain.Parse(l)).ToList();
        Assert.Equal([startupHash, editedHash], lines.Select(l => l["policy_sha256"]!.GetValue<string>()));
        Assert.Equal([startupHash, editedHash], lines.Select(l => l["policy_in_force_sha256"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.Equal(store.SourcePath, l["policy_path"]!.GetValue<string>()));
        Assert.Equal(editedHash, AuditChain.ToRecord(lines[1]).PolicySha256);
    }

    [Fact]
    public async Task Audit_RecordsARejectedEdit_WithItsFirstErrorsLineAndColumn_AndThePolicyKeptInForce()
    {
        using var store = CreateStore("""{ "default": "allow" }""");
        var inForce = Sha256(store.SourcePath);
        await using var audit = new RecordedAudit(Path.Combine(_dir, "audit", "audit.jsonl"));
        using var writer = new PolicyChangeAudit(store, audit, NullLogger<PolicyChangeAudit>.Instance);
        await writer.StartAsync(CancellationToken.None);
        Assert.Equal("policy_loaded", (await audit.NextAsync()).Outcome);

        await EditAndWaitForReload(store, "{\n  \"default\": \"allow\",\n  \"hide\": [\"a b\"]\n}");

        var rejected = await audit.NextAsync();
        Assert.Equal(("policy_rejected", "policy_rejected"), (rejected.Decision, rejected.Outcome));
        Assert.StartsWith(
            $"policy {store.SourcePath} (sha256 {Sha256(store.SourcePath)}) rejected: line 3, column 12: hide: invalid glob \"a b\": ",
            rejected.Reason, StringComparison.Ordinal);
        Assert.EndsWith($"; the last good policy (sha256 {inForce}) stays in force", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal((store.SourcePath, Sha256(store.SourcePath), inForce), (rejected.PolicyPath, rejected.PolicySha256, rejected.PolicyInForceSha256));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Audit_RecordsNothing_WhenTheSameBytesAreReadAgain_AppliedOrRejected()
    {
        const string Good = """{ "default": "allow" }""";
        const string Broken = """{ "default": "sometimes" }""";
        using var store = CreateStore(Good);
        await using var audit = new RecordedAudit(Path.Combine(_dir, "audit", "audit.jsonl"));
        using var writer = new PolicyChangeAudit(store, audit, NullLogger<PolicyChangeAudit>.Instance);
        await writer.StartAsync(CancellationToken.None);
        Assert.Equal("policy_loaded", (await audit.NextAsync()).Outcome);

        // An editor saving without changes, then a forced reload: the same bytes, read and applied again. Saved whole:
        // written in place, a watcher's reload could read the file empty between its truncation and the write, and
        // that is an edit of its own, recorded (a rejection, then the good policy applied again), which this is not.
        await SaveWholeAsync(store.SourcePath, Good);
        Assert.True(store.Reload());
        await EditAndWaitForReload(store, Broken);
        Assert.Equal("policy_rejected", (await audit.NextAsync()).Outcome);
        Assert.False(store.Reload());
        await EditAndWaitForReload(store, """{ "default": "deny" }""");

        // Records are written in order, so the next one is the last edit's: none came of the reads in between.
        var next = await audit.NextAsync();
        Assert.Equal("policy_loaded", next.Outcome);
        Assert.EndsWith("applied: 0 rules, default deny", next.Reason, StringComparison.Ordinal);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Audit_RecordsTheHashOfTheFileInForce_WhenAnEditOnlyAddsAByteOrderMark()
    {
        const string Json = """{ "default": "deny" }""";
        using var store = CreateStore(Json);
        var before = Sha256(store.SourcePath);
        await using var audit = new RecordedAudit(Path.Combine(_dir, "audit", "audit.jsonl"));
        using var writer = new PolicyChangeAudit(store, audit, NullLogger<PolicyChangeAudit>.Instance);
        await writer.StartAsync(CancellationToken.None);
        Assert.Equal(before, (await audit.NextAsync()).PolicySha256);

        // The reader skips the mark, so the text is the same; the bytes, and the hash an auditor checks the file
        // against, are not. Before, the edit was neither applied nor recorded, and the log named a hash no file had.
        await EditAndWaitForReload(store, "\uFEFF" + Json);

        var edited = await audit.NextAsync();
        var after = Sha256(store.SourcePath);
        Assert.NotEqual(before, after);
        Assert.Equal(("policy_loaded", after, after), (edited.Outcome, edited.PolicySha256, edited.PolicyInForceSha256));
        Assert.Equal(
            $"policy {store.SourcePath} (sha256 {after}) applied: 0 rules, default deny (the same text as the policy it replaces: only bytes " +
            "the reader skips, such as a byte order mark, changed)",
            edited.Reason);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Audit_LogsARecordTheSinkRefuses_WhileTheEditStillApplies_AndTriesTheNextChange()
    {
        using var store = CreateStore("""{ "default": "deny" }""");
        var engine = new PolicyEngine(store, new RateLimiter(TimeProvider.System));
        var log = new NotAuditedLog();
        using var writer = new PolicyChangeAudit(store, new RefusingAudit(), log);
        await writer.StartAsync(CancellationToken.None);
        Assert.Contains("applied at startup: 0 rules, default deny", await log.NextAsync(), StringComparison.Ordinal);

        await EditAndWaitForReload(store, """{ "default": "allow" }""");

        Assert.Equal(DecisionKind.Allowed, (await engine.DecideAsync(Call("BinanceTicker"))).Kind);
        Assert.Contains("applied: 0 rules, default allow", await log.NextAsync(), StringComparison.Ordinal);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Gateway_WritesThePolicyItStartsWith_ToItsAuditLog()
    {
        await using var gateway = await GatewayHost.StartAsync(
            TestUpstreams.DemoStdio(),
            configure: builder => builder.Services.Replace(
                ServiceDescriptor.Singleton<IAuditLog>(sp => new AuditAppendWatcher(sp.GetRequiredService<FileAuditLog>()))));
        var audit = (AuditAppendWatcher)gateway.Services.GetRequiredService<IAuditLog>();

        var loaded = await audit.WaitForOutcomeAsync("policy_loaded");

        Assert.Contains($"(sha256 {Sha256(gateway.PolicyPath)}) applied at startup", loaded.Reason, StringComparison.Ordinal);
        Assert.Equal((gateway.PolicyPath, Sha256(gateway.PolicyPath)), (loaded.PolicyPath, loaded.PolicySha256));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private sealed class RefusingAudit : IAuditLog
    {
        public ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken) =>
            ValueTask.FromException(new IOException("No space left on device"));

        public IReadOnlyList<AuditRecord> Recent(int limit) => [];
    }

    /// <summary>The messages of event 2004 (a policy change the audit sink refused), in order.</summary>
    private sealed class NotAuditedLog : ILogger<PolicyChangeAudit>
    {
        private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();

        public Task<string> NextAsync() => _messages.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 2004 && logLevel == LogLevel.Error && exception is IOException)
            {
                _messages.Writer.TryWrite(formatter(state, exception));
            }
        }
    }

    /// <summary>A real audit file, with each record it took handed to the test in order.</summary>
    private sealed class RecordedAudit(string path) : IAuditLog, IAsyncDisposable
    {
        private readonly FileAuditLog _file = new(path, 100, NullLogger<FileAuditLog>.Instance);
        private readonly Channel<AuditRecord> _written = Channel.CreateUnbounded<AuditRecord>();

        public string Path => path;

        public async ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken)
        {
            await _file.AppendAsync(record, cancellationToken);
            _written.Writer.TryWrite(record);
        }

        public IReadOnlyList<AuditRecord> Recent(int limit) => _file.Recent(limit);

        public async Task<AuditRecord> NextAsync() => await _written.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        private int _disposed;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 0 ? _file.DisposeAsync() : ValueTask.CompletedTask;
    }
}
