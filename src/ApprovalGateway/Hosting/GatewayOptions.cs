using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Hosting;

/// <summary>The <c>Gateway</c> section: upstreams, the MCP endpoint and its limits.</summary>
internal sealed class GatewayOptions
{
    public const string Section = "Gateway";

    public Dictionary<string, UpstreamOptions> Upstreams { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Where agents connect over Streamable HTTP.</summary>
    public string McpPath { get; set; } = "/mcp";

    /// <summary>Largest accepted MCP request body; larger requests get 413 before any parsing.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The agent name given to the single session of <c>--stdio</c>.</summary>
    public string StdioAgent { get; set; } = "stdio";

    /// <summary>How long an idle HTTP session (no request, no open stream) lives before it is closed.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long an agent's event stream (a held call's answer, a session's GET stream) may carry nothing before the
    /// gateway writes an SSE comment on it, so that proxies on the way do not close it as idle; zero turns it off.
    /// </summary>
    public TimeSpan EventStreamKeepalive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Open agent sessions one instance serves at most; each holds a session (for stdio, a process) per upstream.</summary>
    public int MaxSessions { get; set; } = 1000;

    /// <summary>Open sessions one agent may have at once, so one runaway client cannot crowd out the others.</summary>
    public int MaxSessionsPerAgent { get; set; } = 100;

    /// <summary>
    /// Origins (<c>https://host[:port]</c>) of web pages allowed to use the gateway from a browser besides its own
    /// page: a browser-based MCP client on <see cref="McpPath"/>, or the public origin of a reverse proxy that
    /// passes neither that Host nor X-Forwarded-Host on.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    public IEnumerable<KeyValuePair<string, UpstreamOptions>> EnabledUpstreams => Upstreams.Where(u => u.Value.Enabled);
}
