using System.Diagnostics;
using System.Text.Json.Nodes;
using ApprovalGateway.Approvals;
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

    [Fact]
    public async Task StdioGateway_WithdrawsTheHeldCallAndExits_WhenTheClientClosesItsInput()
    {
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        var policy = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policy, """
            { "version": "1", "default": "allow", "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600 } } } }
            """);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"), "--stdio", "--urls", "http://127.0.0.1:0",
                "--contentRoot", RepoPaths.Root, "--Gateway:Upstreams:demo:Enabled=false",
                "--Gateway:Upstreams:everything:Command=node", $"--Gateway:Upstreams:everything:Args:0={RepoPaths.ServerEverything}",
                "--Gateway:Upstreams:everything:Args:1=stdio", $"--Gateway:Policy:Path={policy}", $"--Gateway:DataPath={data}",
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var gateway = Process.Start(start)!;
        gateway.ErrorDataReceived += (_, _) => { };
        gateway.BeginErrorReadLine();
        try
        {
            await gateway.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"launcher","version":"1"}}}""");
            await ReadUntilAsync(gateway, line => line.Contains("\"id\":1", StringComparison.Ordinal));
            await gateway.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await gateway.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"},"_meta":{"progressToken":"p"}}}""");
            await ReadUntilAsync(gateway, line => line.Contains("Waiting for approval", StringComparison.Ordinal));

            // MCP's stdio shutdown: the client closes the server's input and waits for it to exit.
            gateway.StandardInput.Close();
            await gateway.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(0, gateway.ExitCode);
            var last = JsonNode.Parse(File.ReadLines(Path.Combine(data, "audit", "audit.jsonl")).Last())!;
            Assert.Equal("withdrawn", (string?)last["outcome"]);
            Assert.Equal("echo", (string?)last["tool"]);
            Assert.Equal(ApprovalText.WithdrawnReason, (string?)last["reason"]);
        }
        finally
        {
            if (!gateway.HasExited)
            {
                gateway.Kill(entireProcessTree: true);
            }

            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task ReadUntilAsync(Process process, Func<string, bool> match)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
        {
            if (match(line))
            {
                return;
            }
        }

        throw new InvalidOperationException("The gateway closed its output before the expected line.");
    }
}
