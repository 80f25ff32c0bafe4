using System.Collections.Concurrent;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The last known state of every upstream link (the catalog's and each agent session's), for health checks,
/// the page, and tests that wait for a restart instead of sleeping.
/// </summary>
internal sealed class UpstreamStatusBoard
{
    private const string Catalog = "catalog";

    private readonly ConcurrentDictionary<(string Upstream, string Session), UpstreamStatus> _links = new();
    private readonly ConcurrentDictionary<string, string> _clashes = new(StringComparer.Ordinal);

    public event Action<UpstreamStatus>? Changed;

    public IReadOnlyCollection<UpstreamStatus> Current => [.. _links.Values];

    public void Report(UpstreamStatus status)
    {
        var reported = status.Session == Catalog ? status with { Clash = _clashes.GetValueOrDefault(status.Upstream) } : status;
        _links[(status.Upstream, status.Session)] = reported;
        Changed?.Invoke(reported);
    }

    /// <summary>
    /// Which of an upstream's tools are left out because another upstream serves their names, or null for none. Kept
    /// apart from its connection, which reports on its own. Returns whether that changed.
    /// </summary>
    public bool ReportClash(string upstream, string? clash)
    {
        var changed = clash is null ? _clashes.TryRemove(upstream, out _) : _clashes.GetValueOrDefault(upstream) != clash;
        if (!changed)
        {
            return false;
        }

        if (clash is not null)
        {
            _clashes[upstream] = clash;
        }

        if (_links.TryGetValue((upstream, Catalog), out var status))
        {
            Report(status);
        }

        return true;
    }

    public void Forget(string upstream, string session) => _links.TryRemove((upstream, session), out _);
}

/// <param name="Session">The agent session that owns the link, or <c>catalog</c> for the gateway's own.</param>
/// <param name="Clash">For the catalog's link: which of its tools are left out because another upstream serves their names.</param>
internal sealed record UpstreamStatus(string Upstream, string Session, bool Connected, string Detail, DateTimeOffset At, string? Clash = null)
{
    /// <summary>Serving everything it offers: connected, and no tool left out.</summary>
    public bool Healthy => Connected && Clash is null;
}
