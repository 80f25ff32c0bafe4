using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The cores this runner may use, split in two: the clients and the upstream on one half, the process in between
/// on the other, as a deployment gives a proxy cores of its own. A child process starts with the CPU mask of the
/// thread that started it, so pinning the runner before it starts a process places that process there, and the
/// runtime in it sizes its thread pool and GC to the cores it was given, as it would in a container of that size.
/// </summary>
internal sealed class CoreLayout
{
    private CoreLayout(IReadOnlyList<int> all)
    {
        var half = all.Count / 2;
        All = List(all);
        Clients = List(all.Take(half));
        Proxy = List(all.Skip(half));
    }

    /// <summary>Every core the runner was started with.</summary>
    public string All { get; }

    /// <summary>The cores of the runner's clients and of the upstream.</summary>
    public string Clients { get; }

    /// <summary>The cores of the process in between (gateway, bare relay).</summary>
    public string Proxy { get; }

    /// <summary>A split of the runner's cores, or null and why not (a single core, or no <c>taskset</c>).</summary>
    public static CoreLayout? TryCreate(out string whyNot)
    {
        var allowed = AllowedCores();
        if (allowed.Count < 2)
        {
            whyNot = $"needs two cores or more; this runner may use {allowed.Count}";
            return null;
        }

        var layout = new CoreLayout(allowed);
        try
        {
            layout.PinRunner(layout.All);
        }
        catch (InvalidOperationException ex)
        {
            whyNot = ex.Message;
            return null;
        }

        whyNot = "";
        return layout;
    }

    /// <summary>
    /// Moves every thread of the runner to <paramref name="cores"/>: what it starts from now on starts there, and
    /// its clients run there. Threads it creates later inherit the mask from the thread that creates them.
    /// </summary>
    public void PinRunner(string cores)
    {
        var start = new ProcessStartInfo("taskset")
        {
            ArgumentList = { "--all-tasks", "--cpu-list", "--pid", cores, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var taskset = Process.Start(start)!;
            var error = taskset.StandardError.ReadToEndAsync();
            taskset.StandardOutput.ReadToEnd();
            taskset.WaitForExit();
            if (taskset.ExitCode != 0)
            {
                throw new InvalidOperationException($"taskset could not pin the runner to cores {cores}: {error.Result.Trim()}");
            }
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"taskset (util-linux) could not be started: {ex.Message}", ex);
        }
    }

    /// <summary>The kernel's list of the cores this process may run on (<c>Cpus_allowed_list</c>, e.g. <c>0-3,6</c>).</summary>
    private static List<int> AllowedCores()
    {
        var line = File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            : null;
        if (line is null)
        {
            return [.. Enumerable.Range(0, Environment.ProcessorCount)];
        }

        var cores = new List<int>();
        foreach (var range in line["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = range.Split('-');
            var first = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var last = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            cores.AddRange(Enumerable.Range(first, last - first + 1));
        }

        return cores;
    }

    private static string List(IEnumerable<int> cores) => string.Join(',', cores);
}
