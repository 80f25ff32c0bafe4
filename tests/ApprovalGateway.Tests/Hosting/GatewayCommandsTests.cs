using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Hosting;

/// <summary><c>approval-gateway validate | verify-audit | hash-password</c> run offline and never start the gateway.</summary>
public sealed class GatewayCommandsTests
{
    [Fact]
    public void Validate_ExitsZero_ForTheShippedPolicy()
    {
        var output = new StringWriter();

        var handled = GatewayCommands.TryRun(["validate", Path.Combine(RepoPaths.Root, "policies", "policy.json")], output, out var exitCode);

        Assert.True(handled);
        Assert.Equal(0, exitCode);
        Assert.Contains("valid", output.ToString());
    }

    [Fact]
    public void Validate_ExitsOneWithFileAndLine_WhenThePolicyIsBroken()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "broken.json");
        File.WriteAllText(path, "{\n  \"version\": \"1\",\n  \"default\": \"maybe\"\n}");
        var output = new StringWriter();

        GatewayCommands.TryRun(["validate", path], output, out var exitCode);

        Assert.Equal(1, exitCode);
        Assert.Contains($"{path}:3:", output.ToString());
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("verify-audit")]
    [InlineData("hash-password")]
    public void Commands_SayTheirArgumentIsMissing_AndPrintUsage_AndLeaveOtherArgumentsToTheGateway(string command)
    {
        var output = new StringWriter();

        var usage = GatewayCommands.TryRun([command], output, out var usageExit);
        var gatewayArgs = GatewayCommands.TryRun(["--urls", "http://127.0.0.1:0"], output, out _);

        Assert.True(usage);
        Assert.Equal(2, usageExit);

        // Before, the usage alone: nothing said what was wrong with the command line.
        Assert.StartsWith($"approval-gateway {command}: missing its argument.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("approval-gateway verify-audit <audit.jsonl>", output.ToString());
        Assert.False(gatewayArgs);
    }

    [Fact]
    public void HashPassword_ReadsThePasswordFromStandardInput_WhenGivenADash()
    {
        var output = new StringWriter();

        // Before, "-" was hashed: the only way to give the password was the command line, seen in ps and the shell history.
        Assert.True(GatewayCommands.TryRun(["hash-password", "-"], output, output, out var exitCode, new StringReader("correct horse battery staple\n")));

        Assert.Equal(0, exitCode);
        Assert.True(ApprovalGateway.Web.Auth.PasswordHasher.Verify("correct horse battery staple", output.ToString().Trim()));
    }

    [Fact]
    public void HashPassword_RefusesAPasswordSplitIntoSeveralArguments_InsteadOfHashingItsFirstWord()
    {
        var output = new StringWriter();

        Assert.True(GatewayCommands.TryRun(["hash-password", "correct", "horse"], output, out var exitCode));

        Assert.Equal(2, exitCode);
        Assert.StartsWith("approval-gateway hash-password: takes one argument, the password, quoted if it has spaces.", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2", output.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("hash-password")]
    [InlineData("validate")]
    [InlineData("verify-audit")]
    public void HelpAfterACommand_PrintsUsage_RatherThanTakingItAsTheArgument(string command)
    {
        var output = new StringWriter();

        Assert.True(GatewayCommands.TryRun([command, "--help"], output, out var exitCode));

        Assert.Equal(0, exitCode);
        Assert.StartsWith("usage:", output.ToString().TrimStart(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public void Help_PrintsUsage_InsteadOfStartingTheGateway(string flag)
    {
        var output = new StringWriter();

        // Before, `--help` fell through to the gateway, which started on its default port with its upstreams.
        Assert.True(GatewayCommands.TryRun([flag], output, out var exitCode));
        Assert.Equal(0, exitCode);
        Assert.Contains("approval-gateway [--stdio]", output.ToString());
        Assert.Contains("approval-gateway validate <policy.json>", output.ToString());
    }

    [Fact]
    public void VerifyAudit_PrintsUsage_WhenPostgresHasNoConnectionString()
    {
        var output = new StringWriter();

        Assert.True(GatewayCommands.TryRun(["verify-audit", "--postgres"], output, out var exitCode));
        Assert.Equal(2, exitCode);
        Assert.StartsWith("approval-gateway verify-audit --postgres: missing its argument.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("verify-audit --postgres \"<connection string>\"", output.ToString());
    }

    [Theory]
    [InlineData("approval-gateway verify-audit --after: '12:abc' is not SEQ:HASH", "verify-audit", "--after", "12:abc", "audit.jsonl")]
    [InlineData("approval-gateway verify-audit --after: missing its argument.", "verify-audit", "--after")]
    [InlineData("approval-gateway verify-audit: unknown option '--from'.", "verify-audit", "--from", "1:abc", "audit.jsonl")]
    [InlineData("approval-gateway verify-audit --postgres: takes one argument, the connection string, quoted.", "verify-audit", "--postgres", "Host=db;", "Username=x")]
    [InlineData("approval-gateway validate: takes one argument, the policy file.", "validate", "policies/policy.json", "policies/other.json")]
    public void CommandLineItCannotUse_IsRefusedWithExitTwo_SayingWhy(string message, params string[] args)
    {
        var output = new StringWriter();

        // Before, extra words were dropped (validate checked the first file only) and an unknown option was taken for a file.
        Assert.True(GatewayCommands.TryRun(args, output, out var exitCode));

        Assert.Equal(2, exitCode);
        Assert.StartsWith(message, output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("verify-adit", "data/audit/audit.jsonl")]
    [InlineData("valdate", "policies/policy.json")]
    [InlineData("version")]
    public void MistypedCommand_SaysSoOnStandardError_AndExitsTwo_InsteadOfStartingTheGateway(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();

        // Before, the configuration ignored the word and the gateway started on its port with its upstreams.
        var handled = GatewayCommands.TryRun(args, output, error, out var exitCode);

        Assert.True(handled);
        Assert.Equal(2, exitCode);
        Assert.Equal("", output.ToString());
        Assert.StartsWith($"approval-gateway: unknown command '{args[0]}'.", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("approval-gateway validate <policy.json>", error.ToString());
    }

    [Fact]
    public void SettingsWithoutDashes_AreLeftToTheGateway()
    {
        var output = new StringWriter();

        Assert.False(GatewayCommands.TryRun(["Urls=http://127.0.0.1:0", "--stdio"], output, out _));
        Assert.False(GatewayCommands.TryRun(["/urls", "http://127.0.0.1:0"], output, out _));
    }

    [Fact]
    public void Version_PrintsTheGatewaysVersion_InsteadOfStartingTheGateway()
    {
        var output = new StringWriter();

        Assert.True(GatewayCommands.TryRun(["--version"], output, out var exitCode));
        Assert.Equal(0, exitCode);
        Assert.Equal($"approval-gateway {GatewayVersion.Current}{Environment.NewLine}", output.ToString());
    }
}
