using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary><c>--stdio</c> runs the same gateway for clients that only launch commands.</summary>
public sealed class StdioDownstreamTests
{
    [Fact]
    public async Task StdioGateway_ServesTheUpstreamsTools_AsAClientLaunchedCommand()
    {
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        var policy = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policy, GatewayHost.AllowAll);
        var gatewayDll = Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll");
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments =
            [
                gatewayDll, "--stdio", "--urls", "http://127.0.0.1:0", "--contentRoot", RepoPaths.Root,
                "--Gateway:Upstreams:demo:Enabled=false",
                "--Gateway:Upstreams:everything:Command=node",
                $"--Gateway:Upstreams:everything:Args:0={RepoPaths.ServerEverything}",
                "--Gateway:Upstreams:everything:Args:1=stdio",
                $"--Gateway:Policy:Path={policy}",
                $"--Gateway:DataPath={data}",
            ],
        });

        await using (var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25" }))
        {
            var tools = await client.ListToolsAsync();
            var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = "over stdio" });
            var raw = await client.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.PromptsGet, Params = new JsonObject { ["name"] = "simple-prompt" } });

            Assert.Contains(tools, t => t.Name == "echo");
            Assert.Contains("over stdio", SessionRelayTests.Text(echo));
            Assert.NotNull(raw.Result?["messages"]);
        }

        Directory.Delete(data, recursive: true);
    }
}
