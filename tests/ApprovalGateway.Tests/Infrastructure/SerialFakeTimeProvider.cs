using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose <see cref="Advance"/> has run every timer that fell due before it returns.
/// </summary>
/// <remarks>
/// FakeTimeProvider lets whichever thread is already waking timers run them all. A FileSystemWatcher thread that
/// rescheduled the policy store's debounce timer at the moment a test advanced the clock ran the poll instead, and the
/// test read <c>LastError</c> before the poll had set it (CI, 2026-11-28). Advancing and rescheduling take turns here.
/// Reading the clock wakes timers there too (for its AutoAdvanceAmount), so a thread that only read the time (a request
/// stamping a record) could run the poll just the same: the time is read here from a copy that wakes nothing.
/// </remarks>
internal sealed class SerialFakeTimeProvider : TimeProvider
{
    private readonly FakeTimeProvider _time;
    private readonly Lock _turn = new();
    private long _utcTicks;

    public SerialFakeTimeProvider(DateTimeOffset start)
    {
        _time = new FakeTimeProvider(start.ToUniversalTime());
        _utcTicks = start.UtcTicks;
    }

    public SerialFakeTimeProvider()
        : this(new FakeTimeProvider().GetUtcNow())
    {
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override TimeZoneInfo LocalTimeZone => _time.LocalTimeZone;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    // FakeTimeProvider's timestamp is its time in ticks, read as its time is (waking timers): the copy again.
    public override long GetTimestamp() => Interlocked.Read(ref _utcTicks);

    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        lock (_turn)
        {
            // Before the timers run: they read the advanced time, as they do on FakeTimeProvider.
            Interlocked.Add(ref _utcTicks, delta.Ticks);
            _time.Advance(delta);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_turn)
        {
            return new TakingTurns(_time.CreateTimer(callback, state, dueTime, period), _turn);
        }
    }

    private sealed class TakingTurns(ITimer timer, Lock turn) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (turn)
            {
                return timer.Change(dueTime, period);
            }
        }

        public void Dispose()
        {
            lock (turn)
            {
                timer.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
