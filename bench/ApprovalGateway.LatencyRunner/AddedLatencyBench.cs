using System.Diagnostics;
using System.Text.Json;
using ApprovalGateway.Testing;
using ModelContextProtocol.Client;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// Section 1: what the gateway adds to an allowed call, against a direct connection to the same upstream, and
/// mcp-proxy against the same stdio baseline. The gateway runs as its own process, as deployed. Paths take turns
/// (A B A B) so drift of a shared machine shows as a difference between rounds instead of hiding inside one
/// path's figure.
/// </summary>
internal sealed class AddedLatencyBench(RunnerOptions options, Report report)
{
    private const int Rounds = 2;

    /// <summary>How long each window of the warm-up under load lasts, and how many make a comparison.</summary>
    private static readonly TimeSpan LoadWarmupWindow = TimeSpan.FromSeconds(3);

    private const int SteadyWindows = 3;

    /// <summary>The share of a window a gateway's runtime may spend compiling once it counts as warm.</summary>
    private const double QuietJitShare = 0.01;

    /// <summary>server-everything over Streamable HTTP, beside a gateway that waits for no fsync.</summary>
    private static readonly HttpComparison Everything = new(
        "Upstream over Streamable HTTP (node process on a loopback port)",
        "`gateway` is the shipped default (`Durability=Disk`: a call is sent only once its `forwarding` record is fsynced; its outcome record " +
            "is written before the answer and fsynced with the next commit); `gateway, Durability=Os` " +
            "waits for no fsync: the operating system has every record before the call goes on (survives a kill of the gateway, not a power cut).",
        async () =>
        {
            var server = await NodeMcpServer.EverythingAsync();
            return (server, server.Url);
        },
        "direct",
        "gateway",
        ("gateway, Durability=Os", "Gateway:Audit:Durability", "Os", HasTargets: true));

    /// <summary>An upstream whose calls cost next to nothing, beside a gateway that keeps no events for resumption.</summary>
    private static readonly HttpComparison DotnetEcho = new(
        "Upstream: a minimal .NET MCP server over Streamable HTTP (the C# SDK, its own process)",
        "The same comparison against an upstream whose calls cost next to nothing, so that the gateway's own share of a call " +
            "shows apart from server-everything's CPU time per call (about 1.5 ms, on cores the gateway and the client share). " +
            "`gateway, Resumption off` keeps no SSE events for agents to resume dropped streams with (`Gateway:Resumption:Enabled=false`): " +
            "beside `gateway` in the same alternating rounds, it shows what keeping them costs a call.",
        async () =>
        {
            var server = await RunnerServerProcess.EchoAsync();
            return (server, server.Url);
        },
        "direct (.NET echo)",
        "gateway (.NET echo upstream)",
        ("gateway, Resumption off", "Gateway:Resumption:Enabled", "false", HasTargets: false));

    public async Task RunAsync()
    {
        report.Heading("1. Added latency of an allowed tools/call (server-everything `echo`)");
        report.Line($"Each path first runs under the throughput rounds' load until its cost per call stops falling (at most {options.LoadWarmupSeconds} s; " +
            "the .NET runtime recompiles hot code with what it learned from it for up to a minute under load). " +
            $"Sequential: {options.Warmup} warm-up calls per path, a pause until the processes are idle again, then {options.Calls} calls per path " +
            $"in {Rounds} alternating rounds. " +
            $"Throughput: {options.Clients} concurrent clients (one MCP session each), {options.ThroughputCalls} calls per round, {Rounds} alternating rounds. " +
            "Gateway: its own process (the Release build), allow-all policy, audit to a temp folder at its default durability, " +
            "Hangfire InMemory and the live page at their defaults. Proxy CPU: user + system time of the process between client and upstream " +
            "during the throughput rounds, per call.");
        report.Line("");

        await CompareOverHttpAsync(Everything, layout: null);
        await CompareOverHttpAsync(DotnetEcho, layout: null);

        report.Line("### Upstream over stdio, for comparison with mcp-proxy\n");
        await using (var gateway = await GatewayProcess.StartAsync(BenchGateway.EverythingStdioUpstream(), BenchGateway.AllowAll))
        {
            var direct = new CallPath("direct (stdio)", Clients.EverythingStdioAsync);
            var through = new CallPath(
                "gateway (stdio upstream)", () => Clients.HttpAsync(gateway.McpEndpoint), () => gateway.CpuTime, JitTimeAsync: GatewayJit.Reader(gateway));
            NodeMcpServer? proxy = null;
            var unavailable = options.McpProxyUnavailable;
            if (unavailable is null && options.McpProxy is null)
            {
                unavailable = "not installed (pass --mcp-proxy <dist/bin/mcp-proxy.mjs>; bench/run installs it)";
            }

            if (unavailable is null)
            {
                try
                {
                    proxy = await NodeMcpServer.McpProxyAsync(options.McpProxy!);
                    await using var probe = await Clients.HttpAsync(proxy.Url);
                    await probe.EchoAsync("probe");
                }
                catch (Exception ex)
                {
                    unavailable = ex.Message.ReplaceLineEndings(" ");
                    if (proxy is not null)
                    {
                        await proxy.DisposeAsync();
                        proxy = null;
                    }
                }
            }

            try
            {
                CallPath[] subjects = proxy is null
                    ? [through]
                    : [through, new CallPath("mcp-proxy (stdio upstream)", () => Clients.HttpAsync(proxy.Url), () => proxy.CpuTime)];
                await CompareAsync(direct, subjects);
            }
            finally
            {
                if (proxy is not null)
                {
                    await proxy.DisposeAsync();
                }
            }

            if (unavailable is not null)
            {
                report.Line($"mcp-proxy: not available: {unavailable}\n");
            }
        }
    }

    /// <summary>
    /// Section 1b: the HTTP comparisons again with the proxy on cores of its own (see <see cref="CoreLayout"/>). On
    /// shared cores a proxy is also charged for the CPU it takes from the upstream and the client; here the direct
    /// path has the same cores for its client and upstream, and the process in between has the others.
    /// </summary>
    public async Task RunOnOwnCoresAsync()
    {
        report.Heading("1b. The same over Streamable HTTP, the process in between on cores of its own");
        if (CoreLayout.TryCreate(out var whyNot) is not { } layout)
        {
            report.Line($"Not available: {whyNot}.\n");
            return;
        }

        report.Line($"The benchmark's clients and the upstream run on core(s) {layout.Clients}; the bare relay and the gateways on " +
            $"core(s) {layout.Proxy}, started there, so that their runtime sizes its thread pool and GC to those cores as in a container of that size. " +
            $"The direct path has the same core(s) {layout.Clients} for its client and upstream; the other core(s) idle. A proxy is deployed with " +
            "cores of its own: this layout shows what the gateway costs a call when it takes no CPU from the upstream and the client. " +
            "Warm-up, rounds and settings as in section 1.\n");
        try
        {
            await CompareOverHttpAsync(Everything, layout);
            await CompareOverHttpAsync(DotnetEcho, layout);
        }
        finally
        {
            layout.PinRunner(layout.All);
        }
    }

    /// <summary>
    /// Direct, the bare relay, the gateway at its defaults and the gateway with one setting changed, against one upstream
    /// over Streamable HTTP. With a <paramref name="layout"/>, the upstream starts on the clients' cores and the processes
    /// in between on the proxy's; the introduction is section 1's alone.
    /// </summary>
    private async Task CompareOverHttpAsync(HttpComparison comparison, CoreLayout? layout)
    {
        layout?.PinRunner(layout.Clients);
        var (upstream, url) = await comparison.StartUpstreamAsync();
        await using var upstreamProcess = upstream;
        layout?.PinRunner(layout.Proxy);
        await using var gateway = await GatewayProcess.StartAsync(BenchGateway.HttpUpstream(url), BenchGateway.AllowAll);
        var variantSetting = comparison.Variant;
        await using var variant = await GatewayProcess.StartAsync(
            BenchGateway.HttpUpstream(url), BenchGateway.AllowAll, new Dictionary<string, string?> { [variantSetting.Key] = variantSetting.Value });
        await using var relay = await RunnerServerProcess.RelayAsync(url);
        layout?.PinRunner(layout.Clients);

        report.Line($"### {comparison.Heading}\n");
        if (layout is null)
        {
            report.Line($"{comparison.Introduction}\n");
        }

        var direct = new CallPath(comparison.DirectName, () => Clients.HttpAsync(url));
        var through = new CallPath(
            comparison.GatewayName, () => Clients.HttpAsync(gateway.McpEndpoint), () => gateway.CpuTime, HasTargets: true, GatewayJit.Reader(gateway));
        var throughVariant = new CallPath(
            variantSetting.Name, () => Clients.HttpAsync(variant.McpEndpoint), () => variant.CpuTime, variantSetting.HasTargets, GatewayJit.Reader(variant));
        await CompareAsync(
            direct,
            [BareRelay(relay), through, throughVariant],
            baseline => InsideGateway(baseline, (through.Name, gateway.AuditFile), (throughVariant.Name, variant.AuditFile)));
    }

    private async Task CompareAsync(
        CallPath baseline, IReadOnlyList<CallPath> subjects, Func<Samples, Action>? afterSequential = null)
    {
        CallPath[] paths = [baseline, .. subjects];
        await WarmUpUnderLoadAsync(paths);
        var latency = await SequentialAsync(paths);

        // Read before the throughput rounds add concurrent calls to the gateway's records; printed after the tables.
        var breakdown = afterSequential?.Invoke(latency[0].All);
        var rows = new List<IReadOnlyList<string>>();
        var b = latency[0];
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
        {
            var s = latency[i];
            var isBaseline = i == 0;
            var addedP50 = s.All.P50 - b.All.P50;
            rows.Add([
                path.Name,
                .. s.Rounds.Select(r => Report.Ms(r.P50)),
                Report.Ms(s.All.P50), Report.Ms(s.All.P99), Report.Ms(s.All.Mean),
                isBaseline ? "(baseline)" : Report.Ms(addedP50),
                isBaseline ? "" : Report.Ms(s.All.P99 - b.All.P99),
                isBaseline ? "" : Report.Ms(s.All.Mean - b.All.Mean),
                !path.HasTargets ? "" : $"< 0.5 ms: {Report.Verdict(addedP50 < 0.5)}",
            ]);
        }

        report.Table(
            ["Path", .. Enumerable.Range(1, Rounds).Select(r => $"round {r} p50 ms"), "p50 ms", "p99 ms", "mean ms", "added p50 ms", "added p99 ms", "added mean ms", "target (added p50)"],
            rows);

        var throughput = await ThroughputAsync(paths);
        var baseRate = throughput[0].Rate;
        report.Table(
            ["Path", .. Enumerable.Range(1, Rounds).Select(r => $"round {r} calls/s"), "calls/s", "proxy CPU µs/call", "vs baseline", "target (≥ 90% of direct)"],
            paths.Select((path, i) => (IReadOnlyList<string>)[
                path.Name,
                .. throughput[i].Rounds.Select(r => Report.Num(r)),
                Report.Num(throughput[i].Rate),
                throughput[i].CpuPerCall is { } cpu ? Report.Num(cpu.TotalMicroseconds) : "",
                i == 0 ? "(baseline)" : Report.Num(throughput[i].Rate / baseRate * 100, "0.0") + "%",
                !path.HasTargets ? "" : Report.Verdict(throughput[i].Rate >= 0.9 * baseRate),
            ]));
        breakdown?.Invoke();
    }

    /// <summary>The floor: one more loopback HTTP hop through Kestrel and HttpClient, without any MCP or gateway work.</summary>
    private static CallPath BareRelay(RunnerServerProcess relay) =>
        new("bare .NET HTTP relay (floor)", () => Clients.HttpAsync(relay.Url), () => relay.CpuTime);

    /// <summary>
    /// Runs each path under the throughput rounds' load until its cost per call (the proxy's CPU time per call, or
    /// the direct path's call time) stops falling. The .NET runtime recompiles hot code in the background, with
    /// profile data (tiered PGO), and under load it competes for the cores with the calls: started cold under 8
    /// clients on 2 cores, a gateway spent 2.4 ms of CPU per call, and took about a minute to come down to its 0.65 ms
    /// (2026-11-29). A sequential warm-up alone left it 10-30 % above that in the first throughput rounds. A deployed
    /// gateway runs for days: what it costs then is what the tables should show. A gateway counts as warm only once its
    /// runtime has also stopped compiling, by its own metrics.
    /// </summary>
    private async Task WarmUpUnderLoadAsync(IReadOnlyList<CallPath> paths)
    {
        if (options.LoadWarmupSeconds <= 0)
        {
            return;
        }

        var taken = new List<string>();
        foreach (var path in paths)
        {
            var clients = await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ => path.ConnectAsync()));
            try
            {
                var costs = new List<double>();
                var clock = Stopwatch.StartNew();
                var steady = false;
                var jitTime = path.JitTimeAsync ?? (() => Task.FromResult(TimeSpan.Zero));
                var compiled = await jitTime();
                while (!steady && clock.Elapsed.TotalSeconds < options.LoadWarmupSeconds)
                {
                    costs.Add(await CostPerCallAsync(path, clients, LoadWarmupWindow));
                    var compiledBefore = compiled;
                    compiled = await jitTime();
                    var compiling = compiled - compiledBefore;

                    // The cost alone can sit on a plateau for half a minute before the next batch of recompiled
                    // methods lowers it; a gateway also says whether its runtime is still compiling.
                    steady = costs.Count >= 2 * SteadyWindows
                        && costs.TakeLast(SteadyWindows).Average() >= 0.97 * costs.SkipLast(SteadyWindows).TakeLast(SteadyWindows).Average()
                        && compiling < LoadWarmupWindow * QuietJitShare;
                }

                taken.Add($"{path.Name} {clock.Elapsed.TotalSeconds:0} s{(steady ? "" : " (not steady)")}");
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }

        report.Line($"Warm-up under load ({options.Clients} clients, until the mean cost per call of a path's last {SteadyWindows} windows of " +
            $"{LoadWarmupWindow.TotalSeconds:0} s came within 3 % of the {SteadyWindows} before and, for a gateway, its runtime spent under " +
            $"{QuietJitShare:P0} of the last window compiling (its `dotnet.jit.compilation.time` metric), at most {options.LoadWarmupSeconds} s): " +
            $"{string.Join(", ", taken)}.\n");
    }

    /// <summary>Microseconds per call over one window: the proxy's CPU time when there is a proxy, else the call's own time.</summary>
    private static async Task<double> CostPerCallAsync(CallPath path, McpClient[] clients, TimeSpan window)
    {
        long calls = 0;
        var cpuBefore = path.ProxyCpu?.Invoke() ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async c =>
        {
            while (clock.Elapsed < window)
            {
                await c.EchoAsync("warm-up");
                Interlocked.Increment(ref calls);
            }
        }));
        var spent = path.ProxyCpu is { } cpu ? cpu() - cpuBefore : clock.Elapsed * clients.Length;
        return spent.TotalMicroseconds / Math.Max(1, calls);
    }

    private async Task<(Samples All, List<Samples> Rounds)[]> SequentialAsync(IReadOnlyList<CallPath> paths)
    {
        var clients = new List<McpClient>();
        try
        {
            foreach (var path in paths)
            {
                var client = await path.ConnectAsync();
                clients.Add(client);
                for (var i = 0; i < options.Warmup; i++)
                {
                    await client.EchoAsync("warm-up");
                }
            }

            await SettleAsync(paths);

            var results = paths.Select(_ => (All: new Samples(), Rounds: new List<Samples>())).ToArray();
            var perRound = Math.Max(1, options.Calls / Rounds);
            for (var round = 0; round < Rounds; round++)
            {
                for (var p = 0; p < paths.Count; p++)
                {
                    var samples = new Samples();
                    for (var i = 0; i < perRound; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        await clients[p].EchoAsync("hello");
                        samples.AddElapsed(start, Stopwatch.GetTimestamp());
                    }

                    results[p].Rounds.Add(samples);
                    results[p].All.AddRange(samples);
                }
            }

            return results;
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Waits (at most 30 s) until this process and every process in between use under 5% of a core: after a
    /// warm-up the .NET runtime recompiles hot code in the background for a few seconds, and rounds measured
    /// meanwhile would share the cores with its compiler.
    /// </summary>
    private static async Task SettleAsync(IReadOnlyList<CallPath> paths)
    {
        var budget = TimeSpan.FromMilliseconds(25);
        var interval = TimeSpan.FromMilliseconds(500);
        List<Func<TimeSpan>> watched = [.. paths.Select(p => p.ProxyCpu).OfType<Func<TimeSpan>>(), OwnCpu];
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            var before = watched.Select(cpu => cpu()).ToList();
            await Task.Delay(interval);
            if (watched.Select((cpu, i) => cpu() - before[i]).All(used => used < budget))
            {
                return;
            }
        }

        static TimeSpan OwnCpu()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Splits each gateway's share of a sequential call using the timings in its own audit records (every forwarded
    /// call so far, warm-up included): the hop to the upstream as the gateway sees it, next to the direct client's
    /// whole call, and the pipeline around it up to the outcome record. Side by side, two gateways that differ in one
    /// setting show which part the setting moves.
    /// </summary>
    private Action InsideGateway(Samples direct, params (string Name, string AuditFile)[] gateways)
    {
        // The calls the gateway forwarded last are the sequential ones: the warm-up under load came before them.
        var sequential = options.Warmup + Math.Max(1, options.Calls / Rounds) * Rounds;
        var parts = gateways.Select(g => (g.Name, Parts: ReadParts(g.AuditFile, sequential))).ToList();
        return () =>
        {
            var forwarded = parts[0].Parts.Upstream.Count;
            report.Line($"Inside the gateway, from its audit records (its last {forwarded} forwarded calls: the sequential ones, their warm-up included): " +
                "the upstream hop as the gateway sees it, next to the direct client's whole call, and the pipeline before and after it " +
                "(policy, the `forwarding` record, the relay) up to the outcome record. The rest of the added time is the agent's hop to the gateway.\n");
            string[] Row(string part, Func<(Samples Upstream, Samples Pipeline, Samples Policy), Samples> pick) =>
                [part, .. parts.SelectMany(p => new[] { Report.Ms(pick(p.Parts).P50), Report.Ms(pick(p.Parts).P99) })];
            report.Table(
                ["Part", .. parts.SelectMany(p => new[] { $"`{p.Name}` p50 ms", "p99 ms" })],
                [
                    ["direct client, whole call (baseline)", .. parts.SelectMany(_ => new[] { Report.Ms(direct.P50), Report.Ms(direct.P99) })],
                    Row("gateway → upstream hop", p => p.Upstream),
                    Row("gateway pipeline around it", p => p.Pipeline),
                    Row("of which policy", p => p.Policy),
                ]);
        };

        static (Samples Upstream, Samples Pipeline, Samples Policy) ReadParts(string auditFile, int last)
        {
            var forwarded = new Queue<string>(last);
            using (var reader = new StreamReader(new FileStream(auditFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)))
            {
                while (reader.ReadLine() is { } line)
                {
                    if (line.Contains("\"outcome\":\"forwarded\"", StringComparison.Ordinal))
                    {
                        if (forwarded.Count == last)
                        {
                            forwarded.Dequeue();
                        }

                        forwarded.Enqueue(line);
                    }
                }
            }

            var (upstream, pipeline, policy) = (new Samples(), new Samples(), new Samples());
            foreach (var line in forwarded)
            {
                using var record = JsonDocument.Parse(line);
                var root = record.RootElement;
                var hop = root.GetProperty("upstream_milliseconds").GetDouble();
                upstream.Add(hop);
                pipeline.Add(root.GetProperty("total_milliseconds").GetDouble() - hop);
                policy.Add(root.GetProperty("policy_milliseconds").GetDouble());
            }

            return (upstream, pipeline, policy);
        }
    }

    private async Task<(double Rate, List<double> Rounds, TimeSpan? CpuPerCall)[]> ThroughputAsync(IReadOnlyList<CallPath> paths)
    {
        var results = paths.Select(_ => (Calls: 0L, Seconds: 0.0, Rounds: new List<double>(), Cpu: TimeSpan.Zero)).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            for (var p = 0; p < paths.Count; p++)
            {
                var clients = await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(_ => paths[p].ConnectAsync()));
                try
                {
                    await Task.WhenAll(clients.Select(async c =>
                    {
                        for (var i = 0; i < 20; i++)
                        {
                            await c.EchoAsync("warm-up");
                        }
                    }));
                    var remaining = options.ThroughputCalls;
                    var cpuBefore = paths[p].ProxyCpu?.Invoke() ?? TimeSpan.Zero;
                    var clock = Stopwatch.StartNew();
                    await Task.WhenAll(clients.Select(async c =>
                    {
                        while (Interlocked.Decrement(ref remaining) >= 0)
                        {
                            await c.EchoAsync("hello");
                        }
                    }));
                    var seconds = clock.Elapsed.TotalSeconds;
                    results[p].Cpu += (paths[p].ProxyCpu?.Invoke() ?? TimeSpan.Zero) - cpuBefore;
                    results[p].Calls += options.ThroughputCalls;
                    results[p].Seconds += seconds;
                    results[p].Rounds.Add(options.ThroughputCalls / seconds);
                }
                finally
                {
                    foreach (var client in clients)
                    {
                        await client.DisposeAsync();
                    }
                }
            }
        }

        return [.. results.Select((r, i) => (r.Calls / r.Seconds, r.Rounds, paths[i].ProxyCpu is null ? (TimeSpan?)null : r.Cpu / r.Calls))];
    }

    /// <param name="Variant">The second gateway's one setting that differs from the defaults, and the name of its path.</param>
    private sealed record HttpComparison(
        string Heading,
        string Introduction,
        Func<Task<(IAsyncDisposable Server, Uri Url)>> StartUpstreamAsync,
        string DirectName,
        string GatewayName,
        (string Name, string Key, string Value, bool HasTargets) Variant);
}
