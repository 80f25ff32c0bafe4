namespace ApprovalGateway.Upstreams;

/// <summary>An upstream sent one message over its cap on a stream that carries many, so the gateway closed the session.</summary>
internal sealed class UpstreamMessageTooLargeException(string upstream, long maxBytes) : IOException(
    $"it sent a message of more than {maxBytes} bytes, so the gateway stopped reading it and closed the connection " +
    $"(Gateway:Upstreams:{upstream}:MaxResponseBytes)");
