using System.Net;
using ApprovalGateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// Slows password guessing at <c>/login</c>: once a name, or a client address, has failed as often as
/// <see cref="WebOptions"/> allows within <see cref="WebOptions.FailedSignInWindow"/>, every sign-in for it is refused
/// for one window, the right password included, so guesses cannot be tested while locked.
/// </summary>
/// <remarks>
/// In memory and per instance on purpose: with several instances a guesser gets each instance's allowance, which is
/// still a handful of guesses per window instead of network speed. The throttle only slows guessing, so it need not
/// be exact, and a shared store would add a dependency to the sign-in path for little gain.
/// </remarks>
internal sealed class SignInThrottle(IOptionsMonitor<WebOptions> options, TimeProvider time, ILogger<SignInThrottle> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SignInFailures> names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SignInFailures> addresses = new(StringComparer.Ordinal);
    private DateTimeOffset nextSweep = DateTimeOffset.MinValue;

    /// <summary>How long the name or the address is still locked out, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string name, IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            var byName = Remaining(names, name, now);
            var byAddress = address is null ? null : Remaining(addresses, Key(address), now);
            return byName is null || byAddress > byName ? byAddress : byName;
        }
    }

    /// <summary>Counts a failed sign-in.</summary>
    /// <returns>What it locked out, as a clause for the audit record ("; ... locked out for 15 minutes"), or "".</returns>
    public string Failed(string name, IPAddress? address)
    {
        var settings = options.CurrentValue;
        var window = settings.FailedSignInWindow;
        var now = time.GetUtcNow();
        DateTimeOffset? nameLockedUntil;
        DateTimeOffset? addressLockedUntil = null;
        lock (gate)
        {
            Sweep(now, window);
            nameLockedUntil = Count(names, name, settings.MaxFailedSignInsPerName, window, now);
            if (address is not null)
            {
                addressLockedUntil = Count(addresses, Key(address), settings.MaxFailedSignInsPerAddress, window, now);
            }
        }

        if (nameLockedUntil is { } nameUntil)
        {
            Log.NameLockedOut(logger, name, nameUntil, settings.MaxFailedSignInsPerName, window);
        }

        if (addressLockedUntil is { } addressUntil)
        {
            Log.AddressLockedOut(logger, Key(address!), addressUntil, settings.MaxFailedSignInsPerAddress, window);
        }

        var locked = (nameLockedUntil, addressLockedUntil) switch
        {
            (not null, not null) => "the name and the address",
            (not null, null) => "the name",
            (null, not null) => "the address",
            _ => null,
        };
        return locked is null ? "" : $"; {locked} now locked out for {window.TotalMinutes:0.##} minutes";
    }

    /// <summary>
    /// Clears the name's failures only: clearing the address's too would let anyone holding one account reset their
    /// address's count by signing in, and go on guessing the other accounts.
    /// </summary>
    public void Succeeded(string name)
    {
        lock (gate)
        {
            names.Remove(name);
        }
    }

    private static string Key(IPAddress address) => ClientAddress.Plain(address).ToString();

    private static TimeSpan? Remaining(Dictionary<string, SignInFailures> counts, string key, DateTimeOffset now) =>
        counts.TryGetValue(key, out var failures) && failures.LockedUntil is { } until && until > now ? until - now : null;

    /// <summary>Counts one failure; returns when the lock-out this failure starts ends, or null when it starts none.</summary>
    private static DateTimeOffset? Count(
        Dictionary<string, SignInFailures> counts, string key, int limit, TimeSpan window, DateTimeOffset now)
    {
        if (!counts.TryGetValue(key, out var failures) || failures.IsOver(now, window))
        {
            failures = new SignInFailures(now);
            counts[key] = failures;
        }

        failures.Count++;
        if (failures.Count < limit || failures.LockedUntil is not null)
        {
            return null;
        }

        failures.LockedUntil = now + window;
        return failures.LockedUntil;
    }

    // Names are whatever a caller typed, so entries that no longer count are dropped once a window, which keeps the
    // maps to what the last two windows brought.
    private void Sweep(DateTimeOffset now, TimeSpan window)
    {
        if (now < nextSweep)
        {
            return;
        }

        nextSweep = now + window;
        DropOver(names, now, window);
        DropOver(addresses, now, window);
    }

    private static void DropOver(Dictionary<string, SignInFailures> counts, DateTimeOffset now, TimeSpan window)
    {
        foreach (var (key, failures) in counts)
        {
            if (failures.IsOver(now, window))
            {
                counts.Remove(key);
            }
        }
    }
}
