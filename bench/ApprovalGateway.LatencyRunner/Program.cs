using System.Globalization;

namespace ApprovalGateway.LatencyRunner;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [PendingClient.Mode, ..])
        {
            return await PendingClient.RunAsync(args);
        }

        if (args is [RunnerServerProcess.EchoMode or RunnerServerProcess.RelayMode, ..])
        {
            return await RunnerServerProcess.RunAsync(args);
        }

        var options = RunnerOptions.Parse(args);
        var report = new Report();
        report.Line($"# ApprovalGateway benchmark, {DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)}\n");
        foreach (var line in Machine.Describe())
        {
            report.Line(line);
        }

        report.Line($"- Command: ApprovalGateway.LatencyRunner {string.Join(' ', args)}");
        report.Line("- The machine is shared (other builds may run): read the alternating rounds as the noise floor.");

        var failed = false;
        (string Name, Func<Task> Run)[] sections =
        [
            ("latency", () => new AddedLatencyBench(options, report).RunAsync()),
            ("latency-cores", () => new AddedLatencyBench(options, report).RunOnOwnCoresAsync()),
            ("decision", () => new DecisionLatencyBench(options, report).RunAsync()),
            ("decision-scaleout", () => new ScaleOutDecisionBench(options, report).RunAsync()),
            ("pending", () => new PendingCapacityBench(options, report).RunAsync()),
            ("policy", () => new PolicyLoopBench(options, report).RunAsync()),
        ];
        foreach (var (name, run) in sections.Where(s => options.Sections.Contains(s.Name)))
        {
            try
            {
                await run();
            }
            catch (Exception ex)
            {
                failed = true;
                report.Line($"\n**Section {name} failed:** {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}\n");
                Console.Error.WriteLine(ex);
            }
        }

        if (options.Output is { } output)
        {
            await File.WriteAllTextAsync(output, report.ToString());
        }

        return failed ? 1 : 0;
    }
}
