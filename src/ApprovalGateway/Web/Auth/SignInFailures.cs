namespace ApprovalGateway.Web.Auth;

/// <summary>The failed sign-ins of one name or one address since <see cref="WindowStart"/>.</summary>
internal sealed class SignInFailures(DateTimeOffset windowStart)
{
    public DateTimeOffset WindowStart { get; } = windowStart;

    public int Count { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    /// <summary>Whether these failures no longer count: the lock-out has ended, or the window passed without one.</summary>
    public bool IsOver(DateTimeOffset now, TimeSpan window) =>
        LockedUntil is { } until ? now >= until : now - WindowStart >= window;
}
