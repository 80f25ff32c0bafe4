using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ApprovalGateway.Testing;

/// <summary>
/// A launched server process: the start of its output is kept for failure messages, and its exit is a task,
/// so a launcher waiting for readiness fails at once when the server dies instead of at its deadline.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    // The start says what the process did, its last lines why it ended; a chatty server must not grow this without end.
    private const int KeptOutputChars = 8000;
    private const int KeptLastLines = 20;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Queue<string> _lastLines = new();
    private bool _cut;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    public Task Exited => _exited.Task;

    /// <summary>
    /// Completes once the process has exited and every line it wrote has been seen (kept, and given to the line
    /// callback). <see cref="Exited"/> can come first, while its last lines are still being read from the pipe.
    /// </summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>User plus system CPU time of this process (not of the processes it spawned).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>What it wrote to standard output and error: the start, and when that ran long, its last lines too.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return (_cut ? $"{_output}…{Environment.NewLine}{string.Join(Environment.NewLine, _lastLines)}" : _output.ToString()).Trim();
            }
        }
    }

    /// <param name="onLine">Sees every line of standard output and error, for a launcher watching for a ready message.</param>
    public static ChildProcess Start(ProcessStartInfo start, Action<string>? onLine = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        void OnData(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is { } line)
            {
                child.Keep(line);
                onLine?.Invoke(line);
            }
        }

        process.OutputDataReceived += OnData;
        process.ErrorDataReceived += OnData;
        process.Exited += (_, _) => child._exited.TrySetResult();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"{start.FileName} could not be started: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Waits for <paramref name="ready"/>, given a token that fires at the deadline; kills the process and throws,
    /// with its output, when the process exits or the deadline passes first.
    /// </summary>
    public async Task<T> WaitReadyAsync<T>(Func<CancellationToken, Task<T>> ready, TimeSpan deadline, string what)
    {
        using var expiry = new CancellationTokenSource(deadline);
        var readying = ready(expiry.Token);
        await Task.WhenAny(readying, Exited);
        if (readying.IsCompletedSuccessfully)
        {
            return readying.Result;
        }

        await expiry.CancelAsync();
        var why = Exited.IsCompleted
            ? "exited"
            : $"was not ready within {deadline.TotalSeconds:0} s";
        await KillAsync();
        throw new InvalidOperationException($"{what} {why}: {Output}");
    }

    /// <summary>SIGTERM, as a service manager or an orchestrator stops a process; returns its exit code once it exited.</summary>
    public async Task<int> StopAsync()
    {
        if (!Exited.IsCompleted)
        {
            Terminate(_process.Id);
        }

        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM to the process <paramref name="pid"/>.</summary>
    public static void Terminate(int pid)
    {
        if (SendSignal(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGSTOP: the process keeps its sockets and pipes open but does nothing, as a hung server does.</summary>
    public void Pause() => Signal(_process.Id, SigStop);

    /// <summary>SIGCONT, after <see cref="Pause"/>.</summary>
    public void Resume() => Signal(_process.Id, SigCont);

    /// <summary>Sends <paramref name="signal"/> to the process <paramref name="pid"/>.</summary>
    public static void Signal(int pid, int signal)
    {
        if (SendSignal(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGKILL with its children: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!Exited.IsCompleted)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the check and the kill.
            }
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private const int SigTerm = 15;

    public const int SigCont = 18;

    public const int SigStop = 19;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private void Keep(string line)
    {
        lock (_output)
        {
            if (_output.Length < KeptOutputChars)
            {
                _output.AppendLine(line);
                return;
            }

            _cut = true;
            _lastLines.Enqueue(line.Length > 1000 ? line[..1000] + "…" : line);
            if (_lastLines.Count > KeptLastLines)
            {
                _lastLines.Dequeue();
            }
        }
    }
}
