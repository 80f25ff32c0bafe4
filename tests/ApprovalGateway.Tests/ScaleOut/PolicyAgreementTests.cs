using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ApprovalGateway.Policy;
using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// Instances behind one load balancer each read their own policy file; one left out of an edit would decide the same
/// call differently from the others.
/// </summary>
[Collection(ScaleOutCollection.Name)]
public sealed class PolicyAgreementTests(ScaleOutServices services)
{
    private const string HoldEcho = """
        {
          "version": "1",
          "default": "allow",
          "tools": { "echo": { "action": "require_approval" } }
        }
        """;

    private const string AllowAll = """{ "version": "1", "default": "allow" }""";

    [ServicesFact]
    public async Task InstancesWithDifferentPolicies_EachWarnsNamingTheOther_UntilTheirFilesHoldTheSameRules()
    {
        var database = await services.CreateDatabaseAsync();
        var (differOnA, differOnB, agreeOnA, agreeOnB) = (new EventLog(8040), new EventLog(8040), new EventLog(8041), new EventLog(8041));
        await using var a = await ScaleOutGateway.StartAsync(Settings(database, "gw-a"), HoldEcho, builder =>
        {
            builder.Logging.AddProvider(differOnA);
            builder.Logging.AddProvider(agreeOnA);
        });
        await using var b = await ScaleOutGateway.StartAsync(Settings(database, "gw-b"), AllowAll, builder =>
        {
            builder.Logging.AddProvider(differOnB);
            builder.Logging.AddProvider(agreeOnB);
        });

        var onA = await differOnA.Message.WaitAsync(TimeSpan.FromSeconds(60));
        var onB = await differOnB.Message.WaitAsync(TimeSpan.FromSeconds(60));
        var (healthStatus, health) = await HealthAsync(a);
        using var loadBalancer = new HttpClient { BaseAddress = a.BaseAddress };
        using var healthz = await loadBalancer.GetAsync(new Uri("/healthz", UriKind.Relative));

        // Before, nothing said so: echo was held on A and sent at once on B, depending on where the agent landed.
        Assert.StartsWith("Gateway instances have different policies in force: this one (gw-a) has ", onA, StringComparison.Ordinal);
        Assert.Contains($"SHA-256 {Sha256(HoldEcho)[..12]}…", onA, StringComparison.Ordinal);
        Assert.Contains("while gw-b (id ", onA, StringComparison.Ordinal);
        Assert.Contains($"has SHA-256 {Sha256(AllowAll)[..12]}…", onA, StringComparison.Ordinal);
        Assert.Contains("give every instance the same policy file", onA, StringComparison.Ordinal);
        Assert.StartsWith("Gateway instances have different policies in force: this one (gw-b) has ", onB, StringComparison.Ordinal);
        Assert.Contains("while gw-a (id ", onB, StringComparison.Ordinal);

        // A warning for approvers, not a degraded instance: mid-way through a rolling edit, a load balancer that took
        // every instance out would serve nobody.
        Assert.Equal(HttpStatusCode.OK, healthStatus);
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal([onA], health.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);

        // And in the policy panel, where admins look after an edit.
        using var api = a.Approver();
        var policyStatus = JsonDocument.Parse(await api.GetStringAsync(new Uri("/api/policy", UriKind.Relative))).RootElement;
        Assert.Contains(onA, policyStatus.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));

        // The same rules checked out with Windows line endings are the same policy.
        await File.WriteAllTextAsync(b.Services.GetRequiredService<PolicyStore>().SourcePath, HoldEcho.ReplaceLineEndings("\r\n"));
        await agreeOnA.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        await agreeOnB.Logged.WaitAsync(TimeSpan.FromSeconds(60));

        var (_, after) = await HealthAsync(a);
        Assert.False(after.TryGetProperty("warnings", out _), after.ToString());
    }

    [ServicesFact]
    public async Task InstanceThatStops_NoLongerCountsAgainstTheOthers()
    {
        var database = await services.CreateDatabaseAsync();
        var (differ, agree) = (new EventLog(8040), new EventLog(8041));
        await using var a = await ScaleOutGateway.StartAsync(Settings(database, "gw-a"), HoldEcho, builder =>
        {
            builder.Logging.AddProvider(differ);
            builder.Logging.AddProvider(agree);
        });
        await using (var b = await ScaleOutGateway.StartAsync(Settings(database, "gw-b"), AllowAll))
        {
            await differ.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        }

        // A rolling deploy: the instance on the old policy is gone. Before, it counted for ScaleOut:InstanceTimeout more.
        await agree.Logged.WaitAsync(TimeSpan.FromSeconds(60));
        var (_, health) = await HealthAsync(a);
        Assert.False(health.TryGetProperty("warnings", out _), health.ToString());
    }

    private static Dictionary<string, string?> Settings(string database, string instance) => new()
    {
        ["Hangfire:Storage"] = "PostgreSql",
        ["Hangfire:ConnectionString"] = database,
        ["Gateway:Audit:Instance"] = instance,
        ["ScaleOut:HeartbeatInterval"] = "00:00:00.2",

        // Longer than any wait here: an instance is counted until it leaves.
        ["ScaleOut:InstanceTimeout"] = "00:10:00",
        ["Logging:LogLevel:ApprovalGateway.ScaleOut.PolicyAgreement"] = "Information",
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> HealthAsync(ScaleOutGateway gateway)
    {
        using var api = gateway.Approver();
        using var response = await api.GetAsync(new Uri("/api/health", UriKind.Relative));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
