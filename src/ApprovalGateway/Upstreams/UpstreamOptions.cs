namespace ApprovalGateway.Upstreams;

/// <summary>One upstream MCP server, under <c>Gateway:Upstreams:{name}</c>: a command (stdio) or a URL (HTTP).</summary>
internal sealed class UpstreamOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The program to start for a stdio upstream (e.g. <c>node</c>).</summary>
    public string? Command { get; set; }

    public List<string> Args { get; set; } = [];

    /// <summary>
    /// Variables for the child process. The child does not inherit the gateway's environment (which holds Slack
    /// and agent secrets); only PATH, HOME, LANG and TMPDIR pass through, plus these.
    /// </summary>
    public Dictionary<string, string?> Env { get; set; } = [];

    public string? WorkingDirectory { get; set; }

    /// <summary>The upstream's MCP endpoint for Streamable HTTP (or SSE).</summary>
    public Uri? Url { get; set; }

    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary><c>auto</c> (Streamable HTTP, falling back to SSE), <c>streamable-http</c> or <c>sse</c>.</summary>
    public string Transport { get; set; } = "auto";

    /// <summary>Prepended to every tool name of this upstream, so two upstreams' tools cannot shadow each other.</summary>
    public string? ToolPrefix { get; set; }

    /// <summary>How long connecting and the MCP handshake may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the gateway waits for the upstream's answer to one request (time held for approval not included).
    /// Past it the call ends as an upstream failure and the upstream is told to cancel: a hung server must not hold
    /// an agent's call, and its audit record, open for ever. A progress report for the request restarts the clock;
    /// <c>tasks/result</c>, which waits for a task to end, is exempt.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most one request may take however much progress the upstream reports.</summary>
    public TimeSpan MaxRequestDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The most one answer may hold (default 32 MiB), so a runaway server cannot fill the gateway's memory. Past it the
    /// call ends as an upstream failure. Where all messages share one stream (stdio, the older HTTP+SSE transport) the
    /// gateway then opens a new session, since the rest of that stream cannot be read without reading the message.
    /// </summary>
    public long MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// How often the gateway's own connection sends the upstream an MCP <c>ping</c>, so that a server that died or hung
    /// while nobody called it shows as down before an agent's call finds out. Zero turns it off.
    /// </summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping may go unanswered before the upstream counts as down.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Stdio only: keep one more process of the server started, so that a new agent session takes a running one instead
    /// of waiting for it to start. Off by default, since the spare is one more process of the server at all times.
    /// </summary>
    public bool SpareProcess { get; set; }

    public bool IsStdio => !string.IsNullOrWhiteSpace(Command);
}
