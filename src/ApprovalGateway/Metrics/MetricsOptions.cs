namespace ApprovalGateway.Metrics;

/// <summary>The Prometheus scrape endpoint (<c>Gateway:Metrics</c> section).</summary>
internal sealed class MetricsOptions
{
    public const string Section = "Gateway:Metrics";

    /// <summary>Whether metrics are collected and served at all.</summary>
    public bool Enabled { get; set; } = true;

    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// The bearer token a scraper must send. Without one, only loopback callers (a Prometheus agent or sidecar on the
    /// same host) may scrape: tool, agent and upstream names are not for everyone who can reach the gateway.
    /// Not an approver token on purpose: whatever can read metrics should not be able to approve calls.
    /// </summary>
    public string? Token { get; set; }
}
