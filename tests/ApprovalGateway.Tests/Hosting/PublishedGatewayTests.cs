using System.Diagnostics;
using System.Text.Json.Nodes;
using ApprovalGateway.Testing;
using ApprovalGateway.Tests.ScaleOut;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Hosting;

/// <summary>What <c>dotnet publish</c> makes is a folder an operator can copy to a server and run as it is.</summary>
public sealed class PublishedGatewayTests
{
    private static readonly TimeSpan PublishGuard = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task PublishedFolder_RunsFromItself_WithTheShippedSettingsPolicyAndDemoExchange()
    {
        var folder = Directory.CreateTempSubdirectory("gateway-published-").FullName;
        await PublishAsync(folder);

        // Before, the folder had no appsettings.json, policy or demo exchange: the gateway would not start.
        await using var gateway = await GatewayProcess.StartPublishedAsync(folder);
        await using var agent = await gateway.ConnectAsync();
        var tools = await agent.ListToolsAsync();
        var price = await agent.CallToolAsync("BinanceTickerPrice", new Dictionary<string, object?> { ["symbol"] = "BTCUSDT" });
        using var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));
        var policy = JsonNode.Parse(await http.GetStringAsync(new Uri("/api/policy", UriKind.Relative)))!;

        Assert.Contains(tools, t => t.Name == "BinanceSpotCancelOpenTWAPOrder");
        Assert.NotEqual(true, price.IsError);
        Assert.Contains("BTCUSDT", Assert.IsType<TextContentBlock>(price.Content[0]).Text, StringComparison.Ordinal);
        Assert.Contains("<title>", page, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(folder, "policies", "policy.json"), (string?)policy["path"]);
        Assert.True(File.Exists(Path.Combine(folder, "data", "audit", "audit.jsonl")));
    }

    private static async Task PublishAsync(string folder)
    {
        var project = Path.Combine(RepositoryPaths.Root, "src", "ApprovalGateway", "ApprovalGateway.csproj");
        var start = new ProcessStartInfo("dotnet")
        {
            // Restored already by the build that ran these tests; Release, as a deployment publishes.
            ArgumentList = { "publish", project, "-c", "Release", "-o", folder, "--no-restore", "--nologo", "-v", "q" },
        };
        await using var publish = ChildProcess.Start(start);
        await publish.Exited.WaitAsync(PublishGuard);
        var exitCode = await publish.StopAsync();
        Assert.True(exitCode == 0, $"dotnet publish exited with {exitCode}: {publish.Output}");
    }
}
