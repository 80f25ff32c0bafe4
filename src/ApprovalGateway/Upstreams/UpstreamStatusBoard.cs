using System.Collections.Concurrent;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// The last known state of every upstream link (the catalog's and each agent session's), for health checks,
/// the page, and tests that wait for a restart instead of sleeping.
/// </summary>
internal sealed class UpstreamStatusBoard
{
    private readonly ConcurrentDictionary<(string Upstream, string Session), UpstreamStatus> _links = new();

    public event Action<UpstreamStatus>? Changed;

    public IReadOnlyCollection<UpstreamStatus> Current => [.. _links.Values];

    public void Report(UpstreamStatus status)
    {
        _links[(status.Upstream, status.Session)] = status;
        Changed?.Invoke(status);
    }

    public void Forget(string upstream, string session) => _links.TryRemove((upstream, session), out _);
}

/// <param name="Session">The agent session that owns the link, or <c>catalog</c> for the gateway's own.</param>
internal sealed record UpstreamStatus(string Upstream, string Session, bool Connected, string Detail, DateTimeOffset At);
