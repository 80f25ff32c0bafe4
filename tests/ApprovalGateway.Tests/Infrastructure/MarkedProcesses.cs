using System.Diagnostics;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>Finds and kills the upstream processes a test started, by a marker in their environment.</summary>
internal static class MarkedProcesses
{
    public static IReadOnlyList<int> Find(string marker)
    {
        var needle = $"GATEWAY_TEST_MARKER={marker}";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environ.Split('\0').Contains(needle))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public static int KillAll(string marker)
    {
        var pids = Find(marker);
        foreach (var pid in pids)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        return pids.Count;
    }
}
