using System.Diagnostics;
using ApprovalGateway.Benchmarks;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// Section 4: decisions per second of the BenchmarkDotNet project's 100-rule policy and calls, timed with a plain
/// loop on one thread (bench/run --bdn runs the BenchmarkDotNet job itself for the rigorous figure).
/// </summary>
internal sealed class PolicyLoopBench(RunnerOptions options, Report report)
{
    public Task RunAsync()
    {
        report.Heading("4. Policy decisions per second (100-rule compiled policy, one thread)");
        var bench = new PolicyEvaluationBenchmarks();
        bench.Setup();
        (string Name, Func<PolicyDecision> Call)[] cases =
        [
            ("Exact tool rule", bench.ExactToolRule),
            ("Glob tool rule", bench.GlobToolRule),
            ("Conditions (symbol, notional)", bench.ConditionsSymbolAndNotional),
            ("Agent grant with rate limit", bench.AgentGrantWithRateLimit),
            ("Risk rule fallback", bench.RiskRuleFallback),
        ];
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (name, call) in cases)
        {
            Loop(call, TimeSpan.FromSeconds(options.PolicySeconds / 4));
            var (operations, elapsed, allocated) = Loop(call, TimeSpan.FromSeconds(options.PolicySeconds));
            rows.Add([
                name,
                Report.Num(elapsed.TotalMilliseconds * 1e6 / operations, "0.0"),
                Report.Num(operations / elapsed.TotalSeconds / 1e6, "0.00"),
                Report.Num((double)allocated / operations, "0"),
            ]);
        }

        report.Table(["Call", "ns/decision", "million decisions/s", "bytes allocated/decision"], rows);
        return Task.CompletedTask;
    }

    private static (long Operations, TimeSpan Elapsed, long Allocated) Loop(Func<PolicyDecision> call, TimeSpan duration)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        long operations = 0;
        while (clock.Elapsed < duration)
        {
            // Batches keep the clock read out of the measured cost.
            for (var i = 0; i < 1000; i++)
            {
                call();
            }

            operations += 1000;
        }

        return (operations, clock.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }
}
