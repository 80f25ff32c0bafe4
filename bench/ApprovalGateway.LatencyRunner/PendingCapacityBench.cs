using System.Diagnostics;
using System.Globalization;
using ApprovalGateway.Approvals;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// Section 3: how many held calls the gateway carries at once, and what each costs. Memory is this process's
/// (the gateway; the agents run in a child process), after a full collection, before the calls and while all
/// are pending. Then every approval is rejected and the child reports what each caller got back.
/// </summary>
internal sealed class PendingCapacityBench(RunnerOptions options, Report report)
{
    // A deadline far beyond the run, so no call expires while the others are still being created.
    private const string Policy = """
        { "version": "1", "default": "require_approval",
          "tools": { "echo": { "action": "require_approval", "approval": { "timeout": 3600 } } } }
        """;

    public async Task RunAsync()
    {
        var count = options.Pending;
        report.Heading($"3. Pending approvals held at once ({count} calls from {options.PendingSessions} MCP sessions)");
        var watcher = new PendingWatcher();
        await using var upstream = await EchoUpstream.StartAsync();
        await using var gateway = await BenchGateway.StartAsync(upstream.Url, Policy, watcher);

        var before = Measure();
        using var child = StartChild(gateway.McpEndpoint, count, options.PendingSessions);
        var summary = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("answered", StringComparison.Ordinal) == true)
            {
                summary.TrySetResult(e.Data);
            }
        };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line && errors.Count < 20)
            {
                errors.Enqueue(line);
            }
        };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(60 + (count / 20));
        while (watcher.Pending < count)
        {
            if (clock.Elapsed > limit || child.HasExited)
            {
                report.Line($"Only {watcher.Pending} of {count} calls became pending within {clock.Elapsed.TotalSeconds:0} s (child exited: {child.HasExited}).\n");
                break;
            }

            await Task.Delay(200);
        }

        var held = watcher.Pending;
        var fill = clock.Elapsed;
        var during = Measure();

        var rejecting = Stopwatch.StartNew();
        var decisions = gateway.Services.GetRequiredService<IApprovalDecisions>();
        var approver = new ApproverIdentity("bench", null);
        var notResolved = 0;
        await Parallel.ForEachAsync(watcher.PendingIds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
        {
            var result = await decisions.DecideAsync(id, approver, false, "bench: capacity run over", null, "bench", ct);
            if (result.Kind != DecisionResultKind.Resolved)
            {
                Interlocked.Increment(ref notResolved);
            }
        });
        var rejected = rejecting.Elapsed;
        var exited = child.WaitForExitAsync();
        var finished = await Task.WhenAny(summary.Task, Task.Delay(TimeSpan.FromSeconds(120 + (count / 50))));
        var drained = rejecting.Elapsed;
        if (!child.HasExited)
        {
            child.Kill(entireProcessTree: true);
        }

        await exited;
        var answers = finished == summary.Task
            ? summary.Task.Result
            : $"no summary from the agents' process (exit {child.ExitCode}): {string.Join(" / ", errors)}";

        var heapMb = (during.Heap - before.Heap) / 1048576.0;
        var workingMb = (during.WorkingSet - before.WorkingSet) / 1048576.0;
        var perThousand = held == 0 ? double.NaN : 1000.0 / held;
        report.Table(
            ["Measure", "before", "with all pending", "added", "per 1000 pending", "target (10,000 within 500 MB)"],
            [
                ["Managed heap after full GC, MB", Report.Num(before.Heap / 1048576.0, "0.0"), Report.Num(during.Heap / 1048576.0, "0.0"), Report.Num(heapMb, "0.0"), Report.Num(heapMb * perThousand, "0.00"), ""],
                ["Working set, MB", Report.Num(before.WorkingSet / 1048576.0, "0.0"), Report.Num(during.WorkingSet / 1048576.0, "0.0"), Report.Num(workingMb, "0.0"), Report.Num(workingMb * perThousand, "0.00"),
                    $"{Report.Num(workingMb * 10000 / Math.Max(1, held), "0")} MB per 10,000: {Report.Verdict(held == count && workingMb * 10000 / held < 500)}"],
            ]);
        report.Line($"- Held at once: {held} of {count}; all pending {fill.TotalSeconds:0.0} s after the first call was sent ({held / fill.TotalSeconds:0} approvals stored/s).");
        report.Line($"- Rejected all through IApprovalDecisions in {rejected.TotalSeconds:0.0} s ({notResolved} not resolved); every caller answered {drained.TotalSeconds:0.0} s after the first rejection.");
        report.Line($"- Callers: {answers} (expected {count} tool-error answers, the rejection).");
        report.Line("");
    }

    private static Process StartChild(Uri endpoint, int count, int sessions)
    {
        var self = typeof(PendingCapacityBench).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        var start = Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? new ProcessStartInfo(host, [self])
            : new ProcessStartInfo(host);
        foreach (var arg in new[] { PendingClient.Mode, endpoint.ToString(), count.ToString(CultureInfo.InvariantCulture), sessions.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return Process.Start(start) ?? throw new InvalidOperationException("the pending client did not start");
    }

    private static (long Heap, long WorkingSet) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (heap, process.WorkingSet64);
    }
}
