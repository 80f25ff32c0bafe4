using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ApprovalGateway.Testing;

/// <summary>
/// The gateway as users run it: <c>dotnet approval-gateway.dll</c> (built next to the caller, which references
/// the gateway project) in a process of its own, with its own thread pool and GC, a policy file and a data folder
/// of its own, on a loopback port. A process, rather than a host in the caller's, so it can be killed outright
/// like a crashed instance and so its CPU time per call can be read off it without the clients' work mixed in.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _data;

    private GatewayProcess(ChildProcess process, string data, Uri baseAddress)
    {
        _process = process;
        _data = data;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    /// <summary>The audit file of the default file sink, under this instance's own data folder.</summary>
    public string AuditFile => Path.Combine(_data, "audit", "audit.jsonl");

    /// <summary>What the gateway has written to its console so far (warnings and errors, and its start-up lines).</summary>
    public string Output => _process.Output;

    /// <summary>User plus system CPU time the gateway process has used so far (not its stdio upstreams').</summary>
    public TimeSpan CpuTime => _process.CpuTime;

    /// <summary>
    /// Starts the gateway and returns once <c>/healthz</c> answers 200, that is once every upstream is connected.
    /// The built-in demo upstream is off.
    /// </summary>
    /// <param name="upstream">The <c>Gateway:Upstreams:*</c> settings.</param>
    /// <param name="policy">The policy file's JSON.</param>
    /// <param name="settings">Any other settings, passed on the command line as a deployment would; they win over the defaults here.</param>
    public static async Task<GatewayProcess> StartAsync(
        IReadOnlyDictionary<string, string?> upstream, string policy, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var data = Directory.CreateTempSubdirectory("gateway-process-").FullName;
        var policyPath = Path.Combine(data, "policy.json");
        await File.WriteAllTextAsync(policyPath, policy);
        var all = new Dictionary<string, string?>(upstream)
        {
            ["Gateway:Upstreams:demo:Enabled"] = "false",
            ["Gateway:Policy:Path"] = policyPath,
            ["Gateway:DataPath"] = data,
            ["Logging:LogLevel:Default"] = "Warning",

            // The "Now listening on" line is how the address bound to port 0 is learnt.
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "approval-gateway.dll"),
                "--urls", "http://127.0.0.1:0", "--contentRoot", data, "--environment", "Production",
            },
            WorkingDirectory = data,
        };
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--{key}={value}"));
        }

        return await LaunchAsync(start, data);
    }

    /// <summary>
    /// Starts the gateway of a published folder as an operator would, from that folder with no settings but a
    /// loopback port: its own appsettings.json, policy and demo upstream. The folder is deleted on dispose.
    /// </summary>
    public static Task<GatewayProcess> StartPublishedAsync(string folder) =>
        LaunchAsync(
            new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(folder, "approval-gateway.dll"), "--urls", "http://127.0.0.1:0" },
                WorkingDirectory = folder,
            },
            folder);

    private static async Task<GatewayProcess> LaunchAsync(ProcessStartInfo start, string data)
    {
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Start(start, line =>
        {
            if (ListeningOn().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        });
        try
        {
            var address = await process.WaitReadyAsync(
                async token =>
                {
                    var address = await listening.Task.WaitAsync(token);
                    await HealthyAsync(address, token);
                    return address;
                },
                TimeSpan.FromSeconds(60),
                "the gateway process");
            return new GatewayProcess(process, data, address);
        }
        catch
        {
            await process.DisposeAsync();
            DeleteData(data);
            throw;
        }
    }

    /// <summary>SIGTERM, as a deploy stops an instance: the gateway's own shutdown runs. Returns its exit code.</summary>
    public Task<int> StopAsync() => _process.StopAsync();

    /// <summary>SIGKILL, with its stdio upstreams: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        DeleteData(_data);
    }

    /// <summary>Polls <c>/healthz</c>: 503 while an upstream's catalogue connection is still being made, 200 once all are up.</summary>
    private static async Task HealthyAsync(Uri address, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Listening, but the request failed: try again.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // One request outlived the client's timeout on a busy machine: try again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static void DeleteData(string data)
    {
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing writer only leaves a temp folder behind.
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
