using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The gateway as users run it: its own process (the Release build next to this runner), its own thread pool and
/// GC, on a free loopback port, with a policy file and data folder of its own. The added-latency section measures
/// through this so that the benchmark clients' work never shares the gateway's process, and so the gateway's own
/// CPU time per call can be read off the process.
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _data;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, string data, Uri baseAddress)
    {
        _process = process;
        _data = data;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    /// <summary>User plus system CPU time the gateway process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<GatewayProcess> StartAsync(
        IReadOnlyDictionary<string, string?> upstream, string policy, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var data = Directory.CreateTempSubdirectory("gateway-bench-process-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policyPath, policy);
        var port = NodeServer.FreePort().ToString(CultureInfo.InvariantCulture);
        var all = new Dictionary<string, string?>(upstream)
        {
            ["Gateway:Upstreams:demo:Enabled"] = "false",
            ["Gateway:Policy:Path"] = policyPath,
            ["Gateway:DataPath"] = data,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"));
        foreach (var arg in (string[])["--urls", $"http://127.0.0.1:{port}", "--contentRoot", data, "--environment", "Production"])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway process did not start");
        var gateway = new GatewayProcess(process, data, new Uri($"http://127.0.0.1:{port}"));
        process.ErrorDataReceived += (_, e) => gateway.Capture(e.Data);
        process.OutputDataReceived += (_, e) => gateway.Capture(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await gateway.WaitHealthyAsync();
        return gateway;
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // 200 once every upstream's catalogue connection is up; 503 while one is still connecting.
                using var response = await http.GetAsync("/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                string output;
                lock (_output)
                {
                    output = _output.ToString();
                }

                await DisposeAsync();
                throw new InvalidOperationException($"the gateway at {BaseAddress} did not become healthy: {output}");
            }

            await Task.Delay(100);
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 8000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
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
}
