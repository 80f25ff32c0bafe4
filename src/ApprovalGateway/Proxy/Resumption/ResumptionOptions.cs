namespace ApprovalGateway.Proxy.Resumption;

/// <summary>
/// How agents may resume a Streamable HTTP stream that dropped (<c>Last-Event-ID</c>), bound from <c>Gateway:Resumption</c>.
/// </summary>
internal sealed class ResumptionOptions
{
    public const string Section = "Gateway:Resumption";

    /// <summary>Off: a dropped stream cannot be resumed, and a dropped POST cancels its request at once.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long an agent may be away and still miss nothing: a request whose POST dropped keeps running (a held call
    /// keeps waiting) this long for the agent to resume it, and every event sent is kept this long for replay.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most the kept events of all sessions may take in memory. Past it the oldest go first; an answer that goes
    /// is replayed as an error saying so, never silently lost.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;
}
