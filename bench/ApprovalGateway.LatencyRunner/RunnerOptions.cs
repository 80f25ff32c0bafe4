using System.Globalization;

namespace ApprovalGateway.LatencyRunner;

/// <summary>Command-line settings; every default keeps a full run on a 2-core machine under twenty minutes.</summary>
internal sealed class RunnerOptions
{
    public int Calls { get; private set; } = 2000;

    public int Warmup { get; private set; } = 1500;

    /// <summary>The most each path of section 1 runs under load before it is measured; 0 skips that warm-up.</summary>
    public int LoadWarmupSeconds { get; private set; } = 90;

    public int Clients { get; private set; } = 8;

    public int ThroughputCalls { get; private set; } = 4000;

    public int Approvals { get; private set; } = 200;

    public int Pending { get; private set; } = 10000;

    public int PendingSessions { get; private set; } = 4;

    public double PolicySeconds { get; private set; } = 1.0;

    /// <summary>The mcp-proxy entry script (<c>dist/bin/mcp-proxy.mjs</c>); null when bench/run could not install it.</summary>
    public string? McpProxy { get; private set; }

    public string? McpProxyUnavailable { get; private set; }

    public string? Output { get; private set; }

    public HashSet<string> Sections { get; } = new(StringComparer.OrdinalIgnoreCase) { "latency", "latency-cores", "decision", "decision-scaleout", "pending", "policy" };

    public static RunnerOptions Parse(string[] args)
    {
        var options = new RunnerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--calls": options.Calls = Int(); break;
                case "--warmup": options.Warmup = Int(); break;
                case "--load-warmup-seconds": options.LoadWarmupSeconds = Int(); break;
                case "--clients": options.Clients = Int(); break;
                case "--throughput-calls": options.ThroughputCalls = Int(); break;
                case "--approvals": options.Approvals = Int(); break;
                case "--pending": options.Pending = Int(); break;
                case "--pending-sessions": options.PendingSessions = Int(); break;
                case "--policy-seconds": options.PolicySeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--mcp-proxy": options.McpProxy = Next(); break;
                case "--mcp-proxy-unavailable": options.McpProxyUnavailable = Next(); break;
                case "--output": options.Output = Next(); break;
                case "--only":
                    options.Sections.Clear();
                    options.Sections.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return options;
    }
}
