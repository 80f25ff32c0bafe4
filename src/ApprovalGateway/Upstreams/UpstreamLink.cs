using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// One supervised client session to one upstream. When the connection ends (a stdio process dies, an HTTP
/// session is lost) calls fail fast with a clear reason while the link reconnects with exponential backoff. A link that
/// <paramref name="probe"/>s (the gateway's own, one per upstream) also pings its upstream every
/// <see cref="UpstreamOptions.PingInterval"/>, and treats a ping left unanswered as the end of the session: a server that
/// died without cutting a connection, or hung, is otherwise noticed only when an agent's call waits on it. An agent
/// session's link given the <paramref name="gatewayLink"/> to the same upstream retries only while that one is
/// connected, and at once when it connects again: while the gateway's own connection is down, so is the upstream, and
/// a retry by every agent session would start a process each (stdio) or knock each (HTTP) for nothing.
/// </summary>
internal sealed class UpstreamLink(
    string name,
    UpstreamOptions options,
    UpstreamConnector connector,
    Func<McpClientOptions> clientOptions,
    TimeProvider time,
    ILogger logger,
    Action<UpstreamStatus>? report = null,
    UpstreamClientRole? clientRole = null,
    bool probe = false,
    UpstreamLink? gatewayLink = null) : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    // How soon after an attempt a request that found the upstream down may have the next one made: the backoff spares
    // an upstream that is down the attempts nobody waits for, not the one a caller is waiting for.
    private static readonly TimeSpan NudgeInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _disposed = new();
    private volatile McpClient? _client;
    private volatile string _downReason = $"Upstream '{name}' is still connecting.";
    private TaskCompletionSource<McpClient?> _nextAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _nudged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startGate = new();
    private bool _closing;
    private volatile bool _awaitingGatewayLink;
    private volatile bool _attempting;
    private Task? _firstAttempt;
    private Task? _supervisor;

    public string Name { get; } = name;

    public UpstreamOptions Options { get; } = options;

    /// <summary>The client's part the gateway plays on this link's sessions, if it plays it (agent sessions do).</summary>
    public UpstreamClientRole? ClientRole => clientRole;

    /// <summary>Raised after every successful (re)connection, with the new client.</summary>
    public event Action<McpClient>? Connected;

    /// <summary>
    /// Run after every successful (re)connection, before anyone waiting for it (<see cref="StartAsync"/>,
    /// <see cref="NextSessionAsync"/>) is let through: what the new session must have set up before it is used.
    /// </summary>
    public Func<McpClient, Task>? SetUp { get; set; }

    public bool IsConnected => _client is not null;

    /// <summary>Whether <see cref="StartAsync"/> was called: a link nobody needed yet has no session upstream (no process).</summary>
    public bool IsStarted => Volatile.Read(ref _firstAttempt) is not null;

    /// <summary>Why there is no live client (what <see cref="GetClient"/> would throw), or null while there is one.</summary>
    public string? DownReason => _client is null ? CurrentDownReason : null;

    /// <summary>While it waits on the gateway's own link, that link's reason is the one that stays true.</summary>
    private string CurrentDownReason => _awaitingGatewayLink && gatewayLink?.DownReason is { } reason ? reason : _downReason;

    /// <summary>
    /// Starts supervising, once however many call it; completes once the first connection attempt has succeeded or
    /// failed. A link being disposed starts nothing.
    /// </summary>
    public Task StartAsync()
    {
        lock (_startGate)
        {
            if (_firstAttempt is null && !_closing)
            {
                var firstAttempt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _supervisor = SuperviseAsync(firstAttempt);
                Volatile.Write(ref _firstAttempt, firstAttempt.Task);
            }

            return _firstAttempt ?? Task.CompletedTask;
        }
    }

    /// <summary>The live client, or an <see cref="UpstreamUnavailableException"/> saying why there is none.</summary>
    public McpClient GetClient() => _client ?? throw new UpstreamUnavailableException(Name, CurrentDownReason);

    /// <summary>
    /// The live client, starting the link if nothing has yet (the first request that needs this upstream opens its
    /// session); an <see cref="UpstreamUnavailableException"/> saying why when there is none.
    /// </summary>
    public async Task<McpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        // Every request but the first finds the link started: read without the start lock, which only the first needs.
        var started = Volatile.Read(ref _firstAttempt) ?? StartAsync();
        if (!started.IsCompleted)
        {
            await started.WaitAsync(cancellationToken);
        }
        else if (_client is null && Volatile.Read(ref _nextAttempt) is var attempt && IsRejoining)
        {
            // The upstream is back for the gateway's own link and this one is on its way back too: a refusal now would
            // be untrue a moment later (a tool the catalogue has not listed again yet would even be called unknown).
            try
            {
                await attempt.Task.WaitAsync(Options.ConnectTimeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Still not back: why it is down says more than how long this request waited.
            }
        }
        else if (_client is null)
        {
            // Down: the upstream may be back long before the gateway's own link looks again, its backoff grown to 30 s
            // over a long outage. This request fails, and the next finds the link on its way back.
            gatewayLink?.Nudge();
        }

        return GetClient();
    }

    /// <summary>
    /// Cuts short the backoff this link is sleeping out, to attempt again <see cref="NudgeInterval"/> after the last
    /// attempt at the soonest: an agent's request needs the upstream now.
    /// </summary>
    public void Nudge() => Volatile.Read(ref _nudged).TrySetResult();

    /// <summary>
    /// Whether an agent session's link is reconnecting, or about to, while the gateway's own link to the upstream is
    /// connected. The gateway's own link, and one sleeping out its backoff, fail requests at once as before.
    /// </summary>
    private bool IsRejoining => (_attempting || _awaitingGatewayLink) && gatewayLink is { IsConnected: true };

    /// <summary>
    /// The session after <paramref name="stale"/>: the live one if that is newer, else the one the next connection
    /// attempt opens, or null if that attempt fails (the link is then down, and <see cref="GetClient"/> says why).
    /// </summary>
    public async Task<McpClient?> NextSessionAsync(McpClient stale, CancellationToken cancellationToken)
    {
        // Taken before the client is looked at, so an attempt that ends in between is not missed.
        var attempt = Volatile.Read(ref _nextAttempt);
        if (_client is { } current && current != stale)
        {
            return current;
        }

        if (_disposed.IsCancellationRequested)
        {
            return null;
        }

        return await attempt.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Returns once this link has a live session, or once it will have none again (it is being disposed).</summary>
    public async Task WhenConnectedAsync(CancellationToken cancellationToken)
    {
        while (!_disposed.IsCancellationRequested)
        {
            // Taken before the client is looked at, as in NextSessionAsync.
            var attempt = Volatile.Read(ref _nextAttempt);
            if (_client is not null)
            {
                return;
            }

            await attempt.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Ends an attempt: no longer attempting by the time those waiting for it are let through.</summary>
    private void Attempted(McpClient? client)
    {
        _attempting = false;
        Interlocked.Exchange(ref _nextAttempt, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(client);
    }

    private async Task SuperviseAsync(TaskCompletionSource firstAttempt)
    {
        // Started by whichever agent request needed the upstream first, but made for none: its sessions' own requests
        // (a restore, say) must not be taken to be that request's. Set here, it does not leak back to the caller.
        UpstreamClientRole.Origin = null;
        var attempt = 0;
        var token = _disposed.Token;
        while (!token.IsCancellationRequested)
        {
            McpClient client;
            _attempting = true;
            try
            {
                client = await connector.ConnectAsync(Name, Options, clientOptions(), clientRole, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                attempt++;
                var delay = Backoff(attempt);
                _downReason = $"{ex.Message.TrimEnd('.')}. Retrying in {delay.TotalSeconds:0} s.";
                Report(connected: false, _downReason);
                Log.UpstreamConnectFailed(logger, Name, attempt, delay.TotalSeconds, ex.Message);
                firstAttempt.TrySetResult();
                Attempted(null);

                // With the gateway's own link down too, the upstream is, and that link says when it is back: a backoff of
                // this link's own would keep the agent's session down for up to 30 s after.
                var followsGatewayLink = gatewayLink is { IsConnected: false };
                if ((!followsGatewayLink && !await BackoffAsync(delay, token)) || !await UntilGatewayLinkConnectedAsync(token))
                {
                    break;
                }

                continue;
            }

            attempt = 0;
            _client = client;
            Log.UpstreamConnected(logger, Name, client.ServerInfo?.Name ?? "(unnamed)", client.ServerInfo?.Version);
            if (SetUp is { } setUp)
            {
                try
                {
                    await setUp(client);
                }
                catch (Exception ex)
                {
                    // The session works without it, as it would have had the upstream refused what was set up.
                    Log.UpstreamSetUpFailed(logger, Name, ex.Message);
                }
            }

            // Told before anyone waiting is let through: a request answered on this session must find the board and
            // the catalogue already knowing it is back.
            Connected?.Invoke(client);
            Report(connected: true, "connected");
            firstAttempt.TrySetResult();
            Attempted(client);

            var details = await WaitForEndOrSilenceAsync(client, token);
            _client = null;
            if (token.IsCancellationRequested || connector.GatewayStopping.IsCancellationRequested)
            {
                _downReason = $"Upstream '{Name}' stopped with the gateway.";
                if (!token.IsCancellationRequested)
                {
                    Log.UpstreamStoppedWithGateway(logger, Name, details);
                }

                await client.DisposeAsync();
                break;
            }

            attempt++;
            var retry = Backoff(attempt);
            _downReason = $"Upstream '{Name}' is down ({details}); restarting in {retry.TotalSeconds:0} s.";
            Log.UpstreamLost(logger, Name, details, retry.TotalSeconds);
            Report(connected: false, _downReason);
            await client.DisposeAsync();
            if (!await BackoffAsync(retry, token) || !await UntilGatewayLinkConnectedAsync(token))
            {
                break;
            }
        }

        firstAttempt.TrySetResult();
        Attempted(null);
    }

    /// <summary>Why the session ended: of itself, or (for a link that probes) by leaving a ping unanswered.</summary>
    private async Task<string> WaitForEndOrSilenceAsync(McpClient client, CancellationToken token)
    {
        var ended = WaitForEndAsync(client, token);
        if (!probe || Options.PingInterval <= TimeSpan.Zero)
        {
            return await ended;
        }

        // Probing stops with the gateway: upstreams may end first then, and that is no failure to report.
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(token, connector.GatewayStopping);
        var silence = UntilUnansweredAsync(client, probing.Token);
        var first = await Task.WhenAny((Task)ended, silence);
        await probing.CancelAsync();
        if (first == silence && await silence is { } unanswered && !ended.IsCompleted)
        {
            return unanswered;
        }

        // A refused connection fails the ping and ends an HTTP session alike; the session's own reason says more.
        return await ended;
    }

    /// <summary>Pings one at a time until a ping fails or times out, and says why; null once probing stops.</summary>
    private async Task<string?> UntilUnansweredAsync(McpClient client, CancellationToken token)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Options.PingInterval, time, token);
                using var deadline = new CancellationTokenSource(Options.PingTimeout, time);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(token, deadline.Token);
                try
                {
                    await client.PingAsync(cancellationToken: either.Token);
                }
                catch (McpProtocolException)
                {
                    // An error answer is an answer: a server without ping is still there.
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    return $"it did not answer a ping within {Seconds(Options.PingTimeout)}";
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return $"a ping failed: {FailureCause.Describe(ex)}";
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.#} s" : $"{span.TotalMilliseconds:0} ms";

    private static async Task<string> WaitForEndAsync(McpClient client, CancellationToken token)
    {
        try
        {
            var completion = await client.Completion.WaitAsync(token);
            return completion switch
            {
                { Exception: { } ex } => FailureCause.Describe(ex),
                StdioClientCompletionDetails { ExitCode: { } code } => $"its process exited with code {code}",
                _ => "the connection closed",
            };
        }
        catch (OperationCanceledException)
        {
            return "the gateway closed the session";
        }
        catch (Exception ex)
        {
            return ex.Message;
        }
    }

    private void Report(bool connected, string detail) => report?.Invoke(new UpstreamStatus(Name, "", connected, detail, time.GetUtcNow()));

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Max(0, attempt - 1))));

    /// <summary>Sleeps out <paramref name="delay"/>, or less when <see cref="Nudge"/>d; false when the link is disposed meanwhile.</summary>
    private async Task<bool> BackoffAsync(TimeSpan delay, CancellationToken token)
    {
        var started = time.GetTimestamp();

        // A nudge while the attempt before was under way does not count: that attempt answered it.
        var nudged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _nudged, nudged);
        try
        {
            using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(token);
            var slept = Task.Delay(delay, time, sleeping.Token);
            if (await Task.WhenAny(slept, nudged.Task) == nudged.Task)
            {
                await sleeping.CancelAsync();
                var left = NudgeInterval - time.GetElapsedTime(started);
                Log.UpstreamNudged(logger, Name, Math.Round((delay - time.GetElapsedTime(started)).TotalSeconds));
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, time, token);
                }
            }
            else
            {
                await slept;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>False when the link is disposed while it waits.</summary>
    private async Task<bool> UntilGatewayLinkConnectedAsync(CancellationToken token)
    {
        if (gatewayLink is null || gatewayLink.IsConnected)
        {
            return true;
        }

        _awaitingGatewayLink = true;
        try
        {
            await gatewayLink.WhenConnectedAsync(token);

            // Flagged before the wait's flag is cleared: a request must never find this link neither waiting nor attempting.
            _attempting = true;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _awaitingGatewayLink = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_startGate)
        {
            _closing = true;
            if (_firstAttempt is null)
            {
                // Never needed, and now never started: a late request hears why, as from a link that had been.
                _downReason = $"Upstream '{Name}' stopped with the gateway.";
            }
        }

        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync();
        if (_supervisor is not null)
        {
            await _supervisor;
        }

        if (_client is { } client)
        {
            _client = null;
            await client.DisposeAsync();
        }

        _disposed.Dispose();
    }
}
