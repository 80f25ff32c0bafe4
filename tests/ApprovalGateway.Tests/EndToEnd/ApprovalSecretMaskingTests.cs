using System.Net;
using ApprovalGateway.Tests.Infrastructure;
using static ApprovalGateway.Tests.EndToEnd.ApprovalPolicies;
using static ApprovalGateway.Tests.EndToEnd.ApprovalScenario;

namespace ApprovalGateway.Tests.EndToEnd;

/// <summary>Approvers decide on what they see, but never see secrets; the upstream still gets the real value.</summary>
public sealed class ApprovalSecretMaskingTests
{
    private const string Secret = "sk-live-5f3c9a1e7b2d4c6e";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task HeldCall_MasksTheApiKeyInSlackApiAndAudit_WhileTheUpstreamGetsTheRealKey()
    {
        await using var upstream = await ApprovalSecretUpstream.StartAsync();
        await using var scenario = await StartAsync(
            Hold(ApprovalSecretTools.ConnectBroker, """{ "timeout": 120 }"""),
            upstream: TestUpstreams.Http(upstream.Url, "broker"));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(
            ApprovalSecretTools.ConnectBroker,
            new Dictionary<string, object?> { ["account"] = "desk-7", ["apiKey"] = Secret }).AsTask();
        var (prompt, id) = await scenario.WaitForPromptAsync(ApprovalSecretTools.ConnectBroker);

        Assert.Contains("\"apiKey\": \"***\"", prompt.AllText, StringComparison.Ordinal);
        Assert.Contains("desk-7", prompt.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, prompt.AllText, StringComparison.Ordinal);
        var view = await scenario.GetApprovalAsync(Alice, id);
        Assert.Equal("***", (string?)view["arguments"]!["apiKey"]);
        Assert.DoesNotContain(Secret, view.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(upstream.ReceivedKeys);

        using (var response = await scenario.DecideAsync(Alice, id, "approve"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var result = await call.WaitAsync(Guard);
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("linked desk-7", Text(result));
        Assert.Equal([Secret], upstream.ReceivedKeys);

        var record = ForwardedCallRecords.Single(scenario.AuditOf(ApprovalSecretTools.ConnectBroker));
        Assert.Equal("***", (string?)record.Arguments!["apiKey"]);
        var updated = await scenario.WaitForPromptTextAsync(id, "Approved by");
        Assert.DoesNotContain(Secret, updated.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ReadShared(Path.Combine(scenario.Gateway.DataDirectory, "audit", "audit.jsonl")), StringComparison.Ordinal);
    }

    /// <summary>A credential's name spelt with a dotless ı or in fullwidth letters reads as one to a person: masked alike.</summary>
    [Fact]
    public async Task HeldCall_MasksValuesOfLookAlikeCredentialNames_InSlackApiAndAudit()
    {
        const string DotlessName = "ap\u0131_key";
        const string FullwidthName = "\uFF41\uFF50\uFF49\uFF3F\uFF4B\uFF45\uFF59";
        const string OtherSecret = "sk-live-0a1b2c3d4e5f6a7b";
        await using var upstream = await ApprovalSecretUpstream.StartAsync();
        await using var scenario = await StartAsync(
            Hold(ApprovalSecretTools.ConnectBroker, """{ "timeout": 120 }"""),
            upstream: TestUpstreams.Http(upstream.Url, "broker"));
        await using var agent = await scenario.ConnectAsync();

        var call = agent.CallToolAsync(
            ApprovalSecretTools.ConnectBroker,
            new Dictionary<string, object?> { ["account"] = "desk-7", [DotlessName] = Secret, [FullwidthName] = OtherSecret }).AsTask();
        var (prompt, id) = await scenario.WaitForPromptAsync(ApprovalSecretTools.ConnectBroker);

        Assert.Contains("desk-7", prompt.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, prompt.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherSecret, prompt.AllText, StringComparison.Ordinal);
        var view = await scenario.GetApprovalAsync(Alice, id);
        Assert.Equal("***", (string?)view["arguments"]![DotlessName]);
        Assert.Equal("***", (string?)view["arguments"]![FullwidthName]);
        Assert.Equal("desk-7", (string?)view["arguments"]!["account"]);

        using (var response = await scenario.DecideAsync(Alice, id, "reject", "not this one"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True((await call.WaitAsync(Guard)).IsError);
        var record = Assert.Single(scenario.AuditOf(ApprovalSecretTools.ConnectBroker));
        Assert.Equal("***", (string?)record.Arguments![DotlessName]);
        Assert.Equal("***", (string?)record.Arguments![FullwidthName]);
        var audit = ReadShared(Path.Combine(scenario.Gateway.DataDirectory, "audit", "audit.jsonl"));
        Assert.DoesNotContain(Secret, audit, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherSecret, audit, StringComparison.Ordinal);
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
