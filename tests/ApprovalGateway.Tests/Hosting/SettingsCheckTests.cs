using System.Reflection;
using ApprovalGateway.Hosting;
using ApprovalGateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Hosting;

/// <summary>The gateway's own settings are held against the options types before the binder passes over a mistake.</summary>
public sealed class SettingsCheckTests
{
    [Fact]
    public void Verify_Passes_TheShippedSettings()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(RepoPaths.Root, "appsettings.json")).Build();

        SettingsCheck.Verify(configuration);
    }

    [Fact]
    public void Verify_Passes_EverySectionBoundByMoreThanOneOptionsType_AndKeysReadDirectly()
    {
        SettingsCheck.Verify(Settings(new()
        {
            ["Gateway:StdioAgent"] = "local",
            ["Gateway:Agents:bot:ApiKey"] = "0123456789abcdef0123",
            ["Gateway:Agents:bot:Owner"] = "alice",
            ["Gateway:DataPath"] = "/var/lib/gateway",
            ["Gateway:Policy:PollInterval"] = "00:00:00",
            ["Gateway:Metrics:Token"] = "0123456789abcdef0123",
            ["Gateway:Tasks:MaxTtl"] = "2.00:00:00",
            ["Gateway:Resumption:Enabled"] = "false",
            ["Gateway:Audit:Durability"] = "Os",
            ["Gateway:AllowedOrigins:0"] = "https://inspector.example.com",
            ["Gateway:Upstreams:x:Url"] = "http://127.0.0.1:1/mcp",
            ["Gateway:Upstreams:x:Headers:Authorization"] = "Bearer t",
            ["Gateway:Upstreams:y:Env:ANY_NAME"] = "1",
            ["Gateway:Upstreams:y:Args:0"] = "--stdio",
            ["Approvers:alice:SlackUserId"] = "U1",
            ["Approvals:SlackChannel"] = "#approvals",
            ["Hangfire:Storage"] = "postgresql",
            ["Web:AssetsPath"] = "web",
            ["Slack:AppToken"] = "xapp-1",
            ["ScaleOut:InstanceTimeout"] = "00:02:00",
            ["Redis:ConnectionString"] = "localhost:6379",
        }));
    }

    [Fact]
    public void CheckedTypes_IncludeEveryOptionsTypeWithASection()
    {
        var withSection = typeof(SettingsCheck).Assembly.GetTypes()
            .Where(t => t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToList();

        Assert.NotEmpty(withSection);
        Assert.All(withSection, t => Assert.Contains(t, SettingsCheck.CheckedTypes));
    }

    [Fact]
    public void Verify_LeavesAlone_SectionsThatAreNotTheGateways()
    {
        SettingsCheck.Verify(Settings(new()
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Kestrel:Limits:MaxConcurrentConnections"] = "100",
            ["AllowedHosts"] = "*",
            ["urls"] = "http://localhost:5180;http://*:5181",
            ["SOME_ENVIRONMENT_VARIABLE"] = "x",
            ["ConnectionStrings:Default"] = "Host=db",
            ["GATE"] = "3",
            ["WEBHOOK_URL"] = "x",
            ["REDIS_URL"] = "x",
            ["SHELL"] = "/bin/bash",
            ["PWD"] = "/",
            ["Serilog:MinimumLevel"] = "Information",
        }));
    }

    [Theory]
    [InlineData("Gatway", "Gateway")]
    [InlineData("gateways", "Gateway")]
    [InlineData("Gaetway", "Gateway")]
    [InlineData("Aprovers", "Approvers")]
    [InlineData("Hangfre", "Hangfire")]
    [InlineData("Slak", "Slack")]
    [InlineData("ScaleOt", "ScaleOut")]
    public void Verify_NamesATopLevelSectionMisspeltFromOneOfTheGateways(string section, string meant)
    {
        // Before, the whole section was passed over and the gateway ran on its defaults (no agent keys, say).
        Assert.Equal(
            [$"{section} is not a section the gateway knows, so nothing in it would be read; did you mean {meant}?"],
            Failures(new() { [$"{section}:Something"] = "x" }));
    }

    [Fact]
    public void Verify_ListsTheKnownKeys_WhenNoneIsClose()
    {
        var failures = Failures(new() { ["Web:Colour"] = "blue" });

        Assert.Equal(
            ["Web:Colour is not a setting the gateway knows; those under Web are AssetsPath, FailedSignInWindow, MaxFailedSignInsPerAddress, MaxFailedSignInsPerName, SignInLifetime."],
            failures);
    }

    [Fact]
    public void Verify_NamesMisspeltKeys_InsideAgentsAndApprovers()
    {
        var failures = Failures(new()
        {
            ["Gateway:Agents:bot:Ownr"] = "alice",
            ["Approvers:alice:Tokn"] = "0123456789abcdef0123",
        });

        Assert.Contains("Gateway:Agents:bot:Ownr is not a setting the gateway knows; did you mean Gateway:Agents:bot:Owner?", failures);
        Assert.Contains("Approvers:alice:Tokn is not a setting the gateway knows; did you mean Approvers:alice:Token?", failures);
    }

    [Fact]
    public void Verify_ReportsEveryMistake_AtOnce()
    {
        var failures = Failures(new()
        {
            ["Gateway:Upstreams:x:PingInterval"] = "soon",
            ["Hangfire:WorkerCount"] = "four",
            ["ScaleOut:HeartbeatInterval"] = "often",
        });

        Assert.Equal(3, failures.Count);
    }

    [Fact]
    public void Verify_RefusesABareNumberForADuration_WhichTimeSpanReadsAsDays()
    {
        // Before, "30" meant to be seconds was 30 days: a hung upstream held its calls for a month.
        Assert.Equal(
            ["Gateway:Upstreams:demo:ConnectTimeout: '30' would be 30 days; write the duration as hh:mm:ss, e.g. 00:00:30 for seconds or 30.00:00:00 for days."],
            Failures(new() { ["Gateway:Upstreams:demo:ConnectTimeout"] = "30" }));
        SettingsCheck.Verify(Settings(new() { ["Gateway:Upstreams:demo:PingInterval"] = "0", ["Gateway:Upstreams:demo:ConnectTimeout"] = "00:00:30" }));

        // Before, "-5" was told to be written 00:00:-05, which is no duration at all; its validator says it must be positive.
        SettingsCheck.Verify(Settings(new() { ["Gateway:Upstreams:demo:ConnectTimeout"] = "-5" }));
    }

    [Fact]
    public void Verify_LeavesUrlsToKestrel_WhenItsEndpointsAreConfigured()
    {
        // Kestrel then ignores urls, as it says in its log.
        SettingsCheck.Verify(Settings(new() { ["urls"] = "foo", ["Kestrel:Endpoints:http:Url"] = "http://localhost:5180" }));

        Assert.Equal(["urls: 'foo' is not an address to listen on; write it as http://localhost:5180 or http://*:5180 (several separated by ';')."],
            Failures(new() { ["urls"] = "http://localhost:5180;foo" }));
    }

    private static IConfiguration Settings(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static List<string> Failures(Dictionary<string, string?> settings) =>
        Assert.Throws<OptionsValidationException>(() => SettingsCheck.Verify(Settings(settings))).Failures.ToList();
}
