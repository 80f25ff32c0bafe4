using ApprovalGateway.Policy.Evaluation;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Policy.Tests;

public sealed class RateLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TryAcquire_RefusesOverMax_UntilTheWindowEnds()
    {
        var limiter = new RateLimiter(_time);
        Assert.True(limiter.TryAcquire("r", "s", 2, 10, out _));
        Assert.True(limiter.TryAcquire("r", "s", 2, 10, out _));

        Assert.False(limiter.TryAcquire("r", "s", 2, 10, out var retry));
        Assert.Equal(10, retry);

        _time.Advance(TimeSpan.FromSeconds(9.5));
        Assert.False(limiter.TryAcquire("r", "s", 2, 10, out retry));
        Assert.Equal(1, retry);

        _time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(limiter.TryAcquire("r", "s", 2, 10, out _));
    }

    [Fact]
    public void TryAcquire_KeepsSeparateCounters_PerRuleAndScope()
    {
        var limiter = new RateLimiter(_time);
        Assert.True(limiter.TryAcquire("r", "a", 1, 10, out _));

        Assert.True(limiter.TryAcquire("r", "b", 1, 10, out _));
        Assert.True(limiter.TryAcquire("other", "a", 1, 10, out _));
        Assert.False(limiter.TryAcquire("r", "a", 1, 10, out _));
    }

    [Fact]
    public void TryAcquire_EvictsEndedWindows()
    {
        var limiter = new RateLimiter(_time);
        for (var i = 0; i < 100; i++)
        {
            limiter.TryAcquire("r", $"session-{i}", 1, 10, out _);
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        limiter.TryAcquire("r", "late", 1, 10, out _);

        Assert.Equal(1, limiter.Count);
    }

    [Fact]
    public void TryAcquire_CountsExactlyMax_UnderConcurrency()
    {
        var limiter = new RateLimiter(_time);
        var granted = 0;

        Parallel.For(0, 1000, _ =>
        {
            if (limiter.TryAcquire("r", "s", 100, 60, out _))
            {
                Interlocked.Increment(ref granted);
            }
        });

        Assert.Equal(100, granted);
    }
}
