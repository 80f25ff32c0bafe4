using System.Runtime.InteropServices;

namespace ApprovalGateway.LatencyRunner;

/// <summary>What the figures were measured on, read from the places `nproc`, `lscpu` and `free` read.</summary>
internal static class Machine
{
    public static IEnumerable<string> Describe()
    {
        yield return $"- Cores (nproc): {Environment.ProcessorCount}";
        yield return $"- CPU: {CpuModel()}";
        yield return $"- RAM: {TotalRam()}";
        yield return $"- .NET: {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier}), GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}";
        yield return $"- OS: {OsName()} (kernel {Environment.OSVersion.Version})";
    }

    private static string CpuModel() =>
        ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string TotalRam()
    {
        var kb = ReadField("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.TryParse(kb, out var value) ? $"{value / 1024.0 / 1024.0:0.0} GiB" : "unknown";
    }

    private static string OsName()
    {
        var pretty = ReadField("/etc/os-release", "PRETTY_NAME", '=');
        return pretty?.Trim('"') ?? RuntimeInformation.OSDescription;
    }

    private static string? ReadField(string path, string name, char separator = ':')
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return File.ReadLines(path)
            .Where(line => line.StartsWith(name, StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf(separator, StringComparison.Ordinal) + 1)..].Trim())
            .FirstOrDefault();
    }
}
