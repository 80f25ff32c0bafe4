using System.Diagnostics;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.Audit;

namespace ApprovalGateway.Tests.Hosting;

/// <summary>
/// A gateway that cannot start says why in one line and exits with a code a service manager can act on: 78
/// (EX_CONFIG) for a mistake in the settings or the policy or a damaged audit file, which a restart does not mend,
/// 1 otherwise.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("gateway-startup-");

    [Fact]
    public async Task InvalidPolicy_EndsTheProcessWithItsFileAndLine_AndNoStackTrace()
    {
        var policy = Path.Combine(_dir.FullName, "policy.json");
        await File.WriteAllTextAsync(policy, "{\n  \"version\": \"1\",\n  \"default\": \"alow\"\n}");

        var (exitCode, output) = await RunGatewayAsync($"--Gateway:Policy:Path={policy}");

        // Before, an unhandled exception: a stack trace twice over and exit code 134 (SIGABRT, a core dump).
        Assert.Equal(78, exitCode);
        Assert.Contains($"The gateway cannot start: Invalid policy:{Environment.NewLine}{policy}:3: \"default\": unknown action \"alow\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroSessionIdleTimeout_IsBlamedItself_NotTheResumptionWindowThatIsOff()
    {
        var (exitCode, output) = await RunGatewayAsync("--Gateway:SessionIdleTimeout=00:00:00", "--Gateway:Resumption:Enabled=false");

        // Before: "Gateway:Resumption:Window (00:01:00) must not be longer than Gateway:SessionIdleTimeout (00:00:00)".
        Assert.Equal(78, exitCode);
        Assert.Contains("Gateway:SessionIdleTimeout must be at least 00:00:01, not 00:00:00.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Resumption:Window", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContentRootThatIsNoFolder_OrHasNoSettings_IsSaidSo_NotBlamedOnTheDataFolderOrTheUpstreams()
    {
        var missing = Path.Combine(_dir.FullName, "nonexistent");

        var (noFolder, noFolderOutput) = await RunGatewayProcessAsync(["--contentRoot", missing, "--urls", "http://127.0.0.1:0"]);
        var (noSettings, noSettingsOutput) = await RunGatewayProcessAsync(["--contentRoot", _dir.FullName, "--urls", "http://127.0.0.1:0"]);

        // Before: "... The gateway keeps its audit log and sign-in keys under Gateway:DataPath ..." and "no enabled upstream is configured".
        Assert.Equal((78, 78), (noFolder, noSettings));
        Assert.Contains($"contentRoot: the folder does not exist ({missing}", noFolderOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway:DataPath", noFolderOutput, StringComparison.Ordinal);
        Assert.Contains($"No appsettings.json in the content root {_dir.FullName}", noSettingsOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidSettings_EndTheProcessWithTheSettingsMessage_AndNoStackTrace()
    {
        var (exitCode, output) = await RunGatewayAsync("--Gateway:Upstreams:demo:Enabled=false");

        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway cannot start: Gateway:Upstreams: no enabled upstream is configured", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Gateway:SessionIdleTimeout=abc", "'abc'", "Gateway:SessionIdleTimeout")]
    [InlineData("--Hangfire:Storage=Redis", "'Redis'", "Hangfire:Storage")]
    [InlineData("--Redis:ConnectionString=redis:xyz", "names no server", "Redis:ConnectionString")]
    public async Task SettingThatDoesNotParse_EndsTheProcessWithCode78_NamingIt_AndNoStackTrace(string setting, string value, string key)
    {
        var (exitCode, output) = await RunGatewayAsync(setting);

        // Before, an unhandled exception: exit code 134 and a stack trace, which a service manager restarts forever.
        Assert.Equal(78, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Contains(value, line, StringComparison.Ordinal);
        Assert.Contains(key, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsSettingThatDoesNotParse_IsSaidInTheSettingsCheckWords()
    {
        var (exitCode, output) = await RunGatewayAsync("--Gateway:Metrics:Enabled=yes");

        // Before, the binder's "Failed to convert configuration value 'yes' at 'Gateway:Metrics:Enabled' to type
        // 'System.Boolean'": the metrics setup read the section before the settings were checked.
        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway cannot start: Gateway:Metrics:Enabled: 'yes' is not true or false.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to convert", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Hangfire:Storage=PostgreSql", "--Hangfire:ConnectionString=Hots=x;Password=pg-s3cret-pw", "Hangfire:ConnectionString")]
    [InlineData("--Hangfire:Storage=PostgreSql", "--Hangfire:ConnectionString=Host=x;;=;Password=pg-s3cret-pw", "Hangfire:ConnectionString")]
    [InlineData("--Gateway:Audit:Sink=PostgreSql", "--Gateway:Audit:ConnectionString=Host=x;;=;Password=pg-s3cret-pw", "Gateway:Audit:ConnectionString")]
    public async Task PostgreSqlConnectionStringThatDoesNotParse_EndsTheProcessWithCode78_NamingItButNotThePassword(string sink, string setting, string key)
    {
        var (exitCode, output) = await RunGatewayAsync(sink, setting);

        // Before, Npgsql's ArgumentException escaped: exit code 134 and a stack trace, which a service manager restarts forever.
        Assert.Equal(78, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Contains($"{key} is not a PostgreSQL connection string", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pg-s3cret-pw", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gateway:Upstreams:x:ConnectTimeout: 'abc' is not a duration", "--Gateway:Upstreams:x:Url=http://127.0.0.1:1/mcp", "--Gateway:Upstreams:x:ConnectTimeout=abc")]
    [InlineData("Gateway:Upstreams:demo:RequestTimeout: 'abc' is not a duration", "--Gateway:Upstreams:demo:RequestTimeout=abc")]
    [InlineData("Gateway:Upstreams:demo:RequestTimeout must be positive.", "--Gateway:Upstreams:demo:RequestTimeout=-5")]
    [InlineData("Gateway:Upstreams:demo:MaxResponseBytes: '1x' is not a whole number", "--Gateway:Upstreams:demo:MaxResponseBytes=1x")]
    [InlineData("Gateway:Upstreams:demo:Enabled: 'maybe' is not true or false", "--Gateway:Upstreams:demo:Enabled=maybe")]
    [InlineData("Gateway:Upstreams:demo:Args must be a list, e.g. [\"a\", \"b\"]", "--Gateway:Upstreams:demo:Args=--stdio")]
    public async Task BadValueInsideAnUpstream_EndsTheProcessWithCode78_NamingTheSetting(string expected, params string[] settings)
    {
        var (exitCode, output) = await RunGatewayAsync(settings);

        // Before, the binder dropped the upstream: with it the only one, "no enabled upstream is configured"; beside
        // another, the gateway started without it and said nothing. A string for Args was ignored.
        Assert.Equal(78, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Gateway:Agent:bot1:ApiKey=0123456789abcdef0123", "Gateway:Agent is not a setting the gateway knows; did you mean Gateway:Agents?")]
    [InlineData("--Gateway:SesionIdleTimeout=00:10:00", "Gateway:SesionIdleTimeout is not a setting the gateway knows; did you mean Gateway:SessionIdleTimeout?")]
    [InlineData("--Gateway:Audit:Durabilty=Os", "Gateway:Audit:Durabilty is not a setting the gateway knows; did you mean Gateway:Audit:Durability?")]
    [InlineData("--Gatway:Agents:bot1:ApiKey=0123456789abcdef0123", "Gatway is not a section the gateway knows, so nothing in it would be read; did you mean Gateway?")]
    public async Task MisspeltSetting_EndsTheProcessWithCode78_NamingItAndTheNearestKnownOne(string setting, string expected)
    {
        var (exitCode, output) = await RunGatewayAsync(setting);

        // Before, the key was ignored: with "Agent" for "Agents" the gateway started with no agent keys at all.
        Assert.Equal(78, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Equal($"The gateway cannot start: {expected}", line.TrimEnd('\r'));
    }

    [Fact]
    public async Task EnumSettingThatDoesNotParse_SaysTheAllowedValues_NotTheTypeName()
    {
        var (exitCode, output) = await RunGatewayAsync("--Hangfire:Storage=Foo");

        Assert.Equal(78, exitCode);
        // Before: "Failed to convert configuration value 'Foo' at 'Hangfire:Storage' to type 'ApprovalGateway.Approvals.HangfireStorageKind'."
        Assert.Contains("The gateway cannot start: Hangfire:Storage: 'Foo' is not one of InMemory, PostgreSql.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("HangfireStorageKind", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UrlThatDoesNotParse_EndsTheProcessWithCode78_NamingTheSetting_InOneLine()
    {
        var (exitCode, output) = await RunGatewayAsync("--urls=foo");

        // Before, exit code 1 after the host logged "Invalid url: 'foo'" with its stack trace.
        Assert.Equal(78, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Contains("urls: 'foo' is not an address to listen on", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharedPostgreSqlUnreachable_EndsTheProcessWithCode1_NamingTheSettingButNotThePassword()
    {
        var port = LoopbackPort.Free();

        var (exitCode, output) = await RunGatewayAsync(
            "--Hangfire:Storage=PostgreSql",
            $"--Hangfire:ConnectionString=Host=127.0.0.1;Port={port};Database=gateway;Username=gateway;Password=pg-s3cret-pw");

        // Before, the gateway served on: every held call and approvals page waited a minute or two for an error.
        Assert.Equal(1, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Contains($"Hangfire:ConnectionString (host 127.0.0.1, port {port}, database gateway, user gateway)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pg-s3cret-pw", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppSettingsThatAreNotJson_EndTheProcessWithCode78_SayingWhere()
    {
        var root = Directory.CreateDirectory(Path.Combine(_dir.FullName, "root")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), "{ \"Gateway\": {");

        var (exitCode, output) = await RunGatewayAsync("--contentRoot", root);

        Assert.Equal(78, exitCode);
        Assert.Contains($"The gateway cannot start: Failed to load configuration from file '{Path.Combine(root, "appsettings.json")}'", output, StringComparison.Ordinal);
        Assert.Contains("LineNumber: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidAgentSettings_EndTheProcessWithCode78_SayingItOnce_AndNoStackTrace()
    {
        var (exitCode, output) = await RunGatewayAsync("--Gateway:Agents:ci-bot:ApiKey=short");

        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway cannot start: Gateway:Agents:ci-bot:ApiKey is 5 characters", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), l => l.Contains("Gateway:Agents:ci-bot:ApiKey is 5 characters", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataPathTheGatewayCannotCreate_EndsTheProcessWithCode78_NamingThePath_AndNoStackTrace()
    {
        // A file where the data folder should be: the same for root as a folder the service user may not write.
        var blocked = Path.Combine(_dir.FullName, "not-a-folder");
        await File.WriteAllTextAsync(blocked, "");

        var (exitCode, output) = await RunGatewayAsync($"--Gateway:DataPath={blocked}");

        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway cannot start: ", output, StringComparison.Ordinal);
        Assert.Contains(blocked, output, StringComparison.Ordinal);
        Assert.Contains("Gateway:DataPath", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DamagedLastAuditRecord_EndsTheProcessWithCode78_AndTheAuditMessage_AndNoStackTrace()
    {
        var audit = Directory.CreateDirectory(Path.Combine(_dir.FullName, "audit")).FullName;
        var file = Path.Combine(audit, "audit.jsonl");
        await File.WriteAllTextAsync(file, "{\"seq\":1,\"prev\":\"0\",\"hash\":\"a\",\"hash\":\"b\"}\n");

        var (exitCode, output) = await RunGatewayAsync();

        // Before, the host logged "Hosting failed to start" with an ArgumentException's stack trace.
        Assert.Equal(78, exitCode);
        Assert.Contains($"The gateway cannot start: {file}: the last audit record has no readable seq and hash, so the chain cannot continue; run verify-audit.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditFileAnotherGatewayWrites_EndsTheProcessWithCode78_SayingToGiveEachItsOwnDataPath()
    {
        var file = Path.Combine(_dir.FullName, "audit", "audit.jsonl");
        await using (var running = AuditSamples.Open(file))
        {
            await running.AppendAsync(AuditSamples.Record(1), CancellationToken.None);

            var (exitCode, output) = await RunGatewayAsync();

            // Before, the second gateway appended to the same file from its own seq 1: verify-audit then failed on both chains.
            Assert.Equal(78, exitCode);
            Assert.Contains($"The gateway cannot start: {file} is in use by another gateway process", output, StringComparison.Ordinal);
            Assert.Contains("give each its own Gateway:DataPath", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }

        // Its lock goes with it: the next gateway on the folder continues the same chain.
        await using var next = AuditSamples.Open(file);
        await next.AppendAsync(AuditSamples.Record(2), CancellationToken.None);
        Assert.Equal(2, next.Recent(10).Count);
    }

    [Fact]
    public async Task TwoUpstreamsServingOneToolName_EndTheProcessWithCode78_NamingThem_InOneLine()
    {
        string[] Everything(string name) =>
            [$"--Gateway:Upstreams:{name}:Command=node", $"--Gateway:Upstreams:{name}:Args:0={RepositoryPaths.ServerEverything}", $"--Gateway:Upstreams:{name}:Args:1=stdio"];

        var (exitCode, output) = await RunGatewayAsync(["--Gateway:Upstreams:demo:Enabled=false", .. Everything("first"), .. Everything("second")]);

        // Before, exit code 1 (which a service manager restarts for ever) after the host's "Hosting failed to start" and a stack trace.
        Assert.Equal(78, exitCode);
        Assert.Contains("The gateway cannot start: Tool names are served by more than one upstream: ", output, StringComparison.Ordinal);
        Assert.Contains("'echo' (first, second)", output, StringComparison.Ordinal);
        Assert.Single(output.Split('\n'), line => line.Contains("ToolPrefix", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortInUse_EndsTheProcessWithCodeOne_SayingWhichAddress()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var (exitCode, output) = await RunGatewayAsync("--urls", address);

        Assert.Equal(1, exitCode);
        // Before, the line went on to blame the data folder: "The gateway keeps its audit log and sign-in keys under Gateway:DataPath ...".
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("The gateway cannot start: ", StringComparison.Ordinal));
        Assert.Equal($"The gateway cannot start: Failed to bind to address {address}: address already in use.", line.TrimEnd('\r'));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>Runs the gateway from the repository root, as README does, with the shipped settings and <paramref name="args"/>.</summary>
    private Task<(int ExitCode, string Output)> RunGatewayAsync(params string[] args) =>
        RunGatewayProcessAsync(
        [
            "--contentRoot", RepositoryPaths.Root, "--urls", "http://127.0.0.1:0",
            $"--Gateway:DataPath={_dir.FullName}", "--Gateway:Upstreams:demo:Args:0=" + Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll"),
            .. args,
        ]);

    private async Task<(int ExitCode, string Output)> RunGatewayProcessAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll") }, WorkingDirectory = _dir.FullName };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        await using var process = ChildProcess.Start(start);
        await process.Exited.WaitAsync(Guard);
        return (await process.StopAsync(), process.Output);
    }
}
