using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// A <c>--stdio</c> gateway process in front of server-everything, driven over its pipes as an MCP client that
/// launched it would, with its page on a free loopback port. Every line it writes to stdout is kept, so a test can
/// check that nothing but JSON-RPC ever went there.
/// </summary>
internal sealed class StdioGatewayProcess : IDisposable
{
    /// <summary>A policy that holds every call to <c>echo</c> for approval, for ten minutes.</summary>
    public const string EchoNeedsApproval = """
        { "version": "1", "default": "allow", "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 600 } } } }
        """;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly string _data;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly List<string> _output = [];

    private StdioGatewayProcess(Process process, string data)
    {
        Process = process;
        _data = data;
    }

    public Process Process { get; }

    /// <summary>What the gateway wrote to stderr, where its log goes in this mode.</summary>
    public IReadOnlyCollection<string> LogLines => _log;

    /// <summary>Every line read from the gateway's stdout so far.</summary>
    public IReadOnlyList<string> OutputLines => _output;

    /// <summary>Starts the gateway with <paramref name="policy"/> and sends <c>initialize</c> (id 1) and <c>initialized</c>.</summary>
    public static async Task<StdioGatewayProcess> StartAsync(string policy, params string[] settings)
    {
        var gateway = Launch(policy, settings);
        try
        {
            await gateway.SendAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"launcher","version":"1"}}}""");
            await gateway.ReadUntilAsync(line => line.Contains("\"id\":1", StringComparison.Ordinal));
            await gateway.SendAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            return gateway;
        }
        catch
        {
            gateway.Dispose();
            throw;
        }
    }

    /// <summary>Starts the gateway with <paramref name="policy"/> and sends nothing: the test does the handshake its own way.</summary>
    public static StdioGatewayProcess Launch(string policy, params string[] settings)
    {
        var data = Directory.CreateTempSubdirectory("gateway-stdio-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        File.WriteAllText(policyPath, policy);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"), "--stdio", "--urls", "http://127.0.0.1:0",
                "--contentRoot", RepoPaths.Root, "--Gateway:Upstreams:demo:Enabled=false",
                "--Gateway:Upstreams:everything:Command=node", $"--Gateway:Upstreams:everything:Args:0={RepoPaths.ServerEverything}",
                "--Gateway:Upstreams:everything:Args:1=stdio", $"--Gateway:Policy:Path={policyPath}", $"--Gateway:DataPath={data}",
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var gateway = new StdioGatewayProcess(Process.Start(start)!, data);
        gateway.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                gateway._log.Enqueue(line);
            }
        };
        gateway.Process.BeginErrorReadLine();
        return gateway;
    }

    public async Task SendAsync(string line)
    {
        await Process.StandardInput.WriteLineAsync(line);
        await Process.StandardInput.FlushAsync();
    }

    /// <summary>Calls <c>echo</c> (id 2, progress token "p") and returns the message of the progress saying it is held.</summary>
    public async Task<string> CallEchoUntilHeldAsync()
    {
        await SendAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"},"_meta":{"progressToken":"p"}}}""");
        var line = await ReadUntilAsync(line => line.Contains("Waiting for approval", StringComparison.Ordinal));
        return (string)JsonNode.Parse(line)!["params"]!["message"]!;
    }

    /// <summary>Reads stdout up to the first line that <paramref name="match"/> accepts, and returns that line.</summary>
    public async Task<string> ReadUntilAsync(Func<string, bool> match)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (await Process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
        {
            _output.Add(line);
            if (match(line))
            {
                return line;
            }
        }

        throw new InvalidOperationException("The gateway closed its output before the expected line.");
    }

    /// <summary>The answer to the request with id <paramref name="id"/>, or to the line that could not carry one (<c>"id":null</c>).</summary>
    public async Task<JsonNode> ReadAnswerAsync(JsonNode? id)
    {
        var line = await ReadUntilAsync(line => JsonNode.Parse(line) is JsonObject message
            && message.ContainsKey("id") && JsonNode.DeepEquals(message["id"], id) && (message.ContainsKey("result") || message.ContainsKey("error")));
        return JsonNode.Parse(line)!;
    }

    /// <summary>Closes the gateway's input, as a client that is done does, and reads what is left of its stdout.</summary>
    public async Task CloseAsync()
    {
        Process.StandardInput.Close();
        var rest = await Process.StandardOutput.ReadToEndAsync().WaitAsync(Guard);
        _output.AddRange(rest.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await Process.WaitForExitAsync().WaitAsync(Guard);
    }

    public JsonNode LastAuditRecord() => AuditRecords()[^1];

    public IReadOnlyList<JsonNode> AuditRecords() => [.. File.ReadLines(Path.Combine(_data, "audit", "audit.jsonl")).Select(line => JsonNode.Parse(line)!)];

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
