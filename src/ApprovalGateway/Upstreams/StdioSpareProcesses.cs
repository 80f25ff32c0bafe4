using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Keeps one process started, and so past its runtime's start-up, for each stdio upstream whose
/// <see cref="UpstreamOptions.SpareProcess"/> is on. Every agent session has a process of its own, so without a spare an
/// agent's first call waits for one to start: half a second to a second for the bundled demo exchange, several for a
/// server launched through npx. The spare is started with the same command, arguments and environment as any other
/// session's process, and nothing is said to it until a session takes it.
/// </summary>
internal sealed class StdioSpareProcesses(IHostApplicationLifetime lifetime, ILogger<StdioSpareProcesses> logger) : IDisposable
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Spare> _spares = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>A started process for a new session of <paramref name="upstream"/>: its spare when there is a live one.</summary>
    public Process Start(string upstream, ProcessStartInfo start, bool keepSpare)
    {
        if (!keepSpare)
        {
            return StartProcess(start);
        }

        var key = Key(start);
        Spare? spare;
        lock (_gate)
        {
            _spares.Remove(upstream, out spare);
        }

        var taken = spare is { Process.HasExited: false } && spare.Key == key ? spare.Process : null;
        if (spare is not null && taken is null)
        {
            if (spare.Process.HasExited)
            {
                Log.SpareProcessExited(logger, upstream, spare.Process.ExitCode);
            }

            Discard(spare.Process);
        }

        var process = taken ?? StartProcess(start);

        // A spare that died idle says the server does not stay up: the next session starts one again, not this one,
        // so a broken command is not started twice for every attempt.
        if (spare is null || taken is not null || spare.Key != key)
        {
            _ = Task.Run(() => Replenish(upstream, start, key));
        }

        return process;
    }

    public void Dispose()
    {
        List<Spare> spares;
        lock (_gate)
        {
            _disposed = true;
            spares = [.. _spares.Values];
            _spares.Clear();
        }

        foreach (var spare in spares)
        {
            Discard(spare.Process);
        }
    }

    private void Replenish(string upstream, ProcessStartInfo start, string key)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return;
        }

        Process process;
        try
        {
            process = StartProcess(start);
        }
        catch (IOException ex)
        {
            Log.SpareProcessNotStarted(logger, upstream, ex.Message);
            return;
        }

        lock (_gate)
        {
            if (!_disposed && _spares.TryAdd(upstream, new Spare(key, process)))
            {
                Log.SpareProcessStarted(logger, upstream, process.Id);
                return;
            }
        }

        Discard(process);
    }

    private static Process StartProcess(ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
            return process;
        }
        catch (Exception ex)
        {
            process.Dispose();
            throw new IOException($"'{start.FileName}' could not be started: {ex.Message}", ex);
        }
    }

    /// <summary>Killed at once: it has done no work and holds nothing to finish.</summary>
    private static void Discard(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(KillWait);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>What the process was started with: a spare of an earlier configuration is not handed out.</summary>
    private static string Key(ProcessStartInfo start) => string.Join(
        '\0',
        [
            start.FileName,
            start.WorkingDirectory,
            .. start.ArgumentList,
            .. start.Environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}"),
        ]);

    private sealed record Spare(string Key, Process Process);
}
