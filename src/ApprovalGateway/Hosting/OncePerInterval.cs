namespace ApprovalGateway.Hosting;

/// <summary>
/// Runs some work at most once per interval however often it is asked for: the first ask schedules a run an interval
/// later, and every ask until that run begins is answered by it. Asking costs one interlocked exchange, cheap enough
/// for the path of every call.
/// </summary>
internal sealed class OncePerInterval(TimeSpan interval, TimeProvider time, Func<Task> work, Action<Exception> failed)
{
    private int _scheduled;

    public void Ask()
    {
        // Not awaited: the asker never waits for the work.
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = RunAsync();
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await Task.Delay(interval, time);

            // Cleared before the work, so an ask made while it runs schedules the next run.
            Volatile.Write(ref _scheduled, 0);
            await work();
        }
        catch (Exception exception)
        {
            Volatile.Write(ref _scheduled, 0);
            failed(exception);
        }
    }
}
