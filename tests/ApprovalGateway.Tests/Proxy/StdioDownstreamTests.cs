using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ApprovalGateway.Approvals;
using ApprovalGateway.Testing;
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
    public async Task StdioGateway_ReadsTheSettingsOfItsContentRoot_AsTheReadmeLaunchesIt()
    {
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        var policy = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policy, GatewayHost.AllowAll);

        // README's order, `--stdio` first, from a client whose working folder is not the repository: the upstream
        // comes from the repository's appsettings.json only. Before, `--stdio` took `--contentRoot` as its value. The
        // client keeps the SDK's default options, which try the newest protocol revision first.
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments =
            [
                Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"), "--stdio",
                "--contentRoot", RepoPaths.Root, "--urls", "http://127.0.0.1:0",
                "--Gateway:Upstreams:demo:Args:0=" + Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll"),
                $"--Gateway:Policy:Path={policy}",
                $"--Gateway:DataPath={data}",
            ],
            WorkingDirectory = data,
        });

        await using (var client = await McpClient.CreateAsync(transport))
        {
            var tools = await client.ListToolsAsync();

            Assert.Contains(tools, t => t.Name == "BinanceTickerPrice");
        }

        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task StdioGateway_WithdrawsTheHeldCallAndExits_WhenTheClientClosesItsInput()
    {
        using var gateway = await HoldingGatewayAsync();

        // MCP's stdio shutdown: the client closes the server's input and waits for it to exit.
        gateway.Process.StandardInput.Close();
        await gateway.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, gateway.Process.ExitCode);
        var last = gateway.LastAuditRecord();
        Assert.Equal("withdrawn", (string?)last["outcome"]);
        Assert.Equal("echo", (string?)last["tool"]);
        Assert.Equal("The agent closed the gateway's input, which ends its stdio session, while the call waited", (string?)last["reason"]);
    }

    [Fact]
    public async Task StdioGateway_WithdrawsTheHeldCallAndStopsCleanly_OnSigterm()
    {
        using var gateway = await HoldingGatewayAsync();

        // The client's last resort when closing the input is not enough, and what a service manager sends.
        ChildProcess.Terminate(gateway.Process.Id);
        await gateway.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, gateway.Process.ExitCode);
        Assert.Equal(ApprovalText.ShuttingDownReason, (string?)gateway.LastAuditRecord()["reason"]);
        Assert.DoesNotContain(gateway.LogLines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StdioGateway_HeldCallsProgress_NamesTheAddressItsApprovalPageIsServedOn()
    {
        using var gateway = await StdioGatewayProcess.StartAsync(StdioGatewayProcess.EchoNeedsApproval);

        // The client launched the gateway with a port of 0: nothing but the message can tell its user where the page is.
        var waiting = await gateway.CallEchoUntilHeldAsync();
        var page = Regex.Match(waiting, "^Waiting for approval on the approval page at (http://127\\.0\\.0\\.1:[1-9][0-9]*/), expires in ");
        using var http = new HttpClient();
        var html = await http.GetStringAsync(new Uri(page.Groups[1].Value));

        Assert.True(page.Success, waiting);
        Assert.Contains("<title>Approvals · Approval Gateway</title>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StdioGateway_WhosePortIsTaken_AnswersNothing_AndExitsWithCodeOneSayingWhy()
    {
        // Two clients launching README's command with the same --urls: the second one's port is taken.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        using var process = Process.Start(DemoStdioGateway(address, data))!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteLineAsync(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"launcher","version":"1"}}}""");
        await process.StandardInput.FlushAsync();

        // Before, the client was told the server was ready (initialize answered), and then the process was gone.
        var stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var log = await stderr;
        Directory.Delete(data, recursive: true);

        Assert.Equal("", stdout);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"{Environment.NewLine}The gateway cannot start: Failed to bind to address {address}: address already in use.{Environment.NewLine}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StdioGateway_WhoseInputEndsBeforeItHasStarted_ExitsZero_WithoutReportingAFailure()
    {
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        using var process = Process.Start(DemoStdioGateway("http://127.0.0.1:0", data))!;
        var stderr = process.StandardError.ReadToEndAsync();

        // A client that gives up at once, or `gateway --stdio < /dev/null`. Before: "Hosting failed to start" with a
        // stack trace, a warning that shutdown outlasted its timeout, and exit code 1.
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var log = await stderr;
        Directory.Delete(data, recursive: true);

        Assert.Equal("", stdout);
        Assert.Equal(0, process.ExitCode);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("outlasted", log, StringComparison.Ordinal);

        // /mcp is not served in this mode, so no warning that anyone may call it without a key.
        Assert.DoesNotContain("every MCP caller is the agent 'anonymous'", log, StringComparison.Ordinal);
    }

    /// <summary>The gateway as an MCP client launches it over stdio, in front of the demo exchange, its pipes redirected.</summary>
    private static ProcessStartInfo DemoStdioGateway(string urls, string data) => new("dotnet")
    {
        ArgumentList =
        {
            Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"), "--stdio", "--contentRoot", RepoPaths.Root, "--urls", urls,
            "--Gateway:Upstreams:demo:Args:0=" + Path.Combine(AppContext.BaseDirectory, "demo-exchange.dll"), $"--Gateway:DataPath={data}",
        },
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };

    /// <summary>A <c>--stdio</c> gateway process driven over its pipes, with one call to <c>echo</c> held for approval.</summary>
    private static async Task<StdioGatewayProcess> HoldingGatewayAsync()
    {
        var gateway = await StdioGatewayProcess.StartAsync(StdioGatewayProcess.EchoNeedsApproval);
        try
        {
            await gateway.CallEchoUntilHeldAsync();
            return gateway;
        }
        catch
        {
            gateway.Dispose();
            throw;
        }
    }
}
