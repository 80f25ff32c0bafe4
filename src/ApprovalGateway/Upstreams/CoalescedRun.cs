namespace ApprovalGateway.Upstreams;

/// <summary>
/// Runs some work so that asks arriving while it runs cost one more run after it, not one each: a burst of
/// <c>tools/list_changed</c> from many agent sessions should cost a listing or two. A run that throws ends the turn, so
/// the next ask runs again.
/// </summary>
internal sealed class CoalescedRun
{
    // 0: idle; 1: running, not asked again; more: asked again while running.
    private int _asked;

    /// <summary>Runs <paramref name="work"/> now, or once more after the run under way.</summary>
    public async Task RunAsync(Func<Task> work)
    {
        if (Interlocked.Increment(ref _asked) != 1)
        {
            return;
        }

        try
        {
            do
            {
                // Asks made before this run starts are answered by it.
                Volatile.Write(ref _asked, 1);
                await work();
            }
            while (Interlocked.CompareExchange(ref _asked, 0, 1) != 1);
        }
        catch
        {
            Volatile.Write(ref _asked, 0);
            throw;
        }
    }
}
