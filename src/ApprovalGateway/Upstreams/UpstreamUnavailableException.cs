namespace ApprovalGateway.Upstreams;

/// <summary>The upstream cannot take requests now (not started, crashed, restarting); the message says which and why.</summary>
internal sealed class UpstreamUnavailableException(string upstream, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Upstream { get; } = upstream;
}
