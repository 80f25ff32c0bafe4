using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>A gateway instance in a process of its own (<c>dotnet approval-gateway.dll</c>), so a test can kill it outright.</summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _data;

    private GatewayProcess(Process process, string data, Uri baseAddress)
    {
        _process = process;
        _data = data;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public static async Task<GatewayProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string policy)
    {
        var data = Directory.CreateTempSubdirectory("gateway-scaleout-process-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policyPath, policy);
        var all = TestUpstreams.Merge(
            TestUpstreams.EverythingStdio(),
            new Dictionary<string, string?>
            {
                ["Gateway:Upstreams:demo:Enabled"] = "false",
                ["Gateway:Policy:Path"] = policyPath,
                ["Gateway:DataPath"] = data,
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
                ["Logging:Console:FormatterName"] = "simple",
            },
            settings);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"), "--urls", "http://127.0.0.1:0", "--contentRoot", RepoPaths.Root, "--environment", "Testing" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data,
        };
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--{key}={value}"));
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningOn().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The gateway process exited while starting"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new GatewayProcess(process, data, await listening.Task.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public Task<McpClient> ConnectAsync() =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" });

    /// <summary>The REST API with <paramref name="token"/>, an approver's script token from the settings.</summary>
    public HttpClient Approver(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    /// <summary>SIGKILL, with its upstream children: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing writer only leaves a temp folder behind.
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
