using System.Diagnostics;

namespace ApprovalGateway.Testing;

/// <summary>Runs initdb and pg_ctl to completion, as the postgres user when this process is root (PostgreSQL refuses root).</summary>
internal static class PostgreSqlTool
{
    public static async Task RunAsync(string tool, params IEnumerable<string> arguments)
    {
        var file = DebianServers.PostgreSqlTool(tool);
        var start = Environment.IsPrivilegedProcess
            ? new ProcessStartInfo("runuser") { ArgumentList = { "-u", "postgres", "--", file } }
            : new ProcessStartInfo(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }
}
