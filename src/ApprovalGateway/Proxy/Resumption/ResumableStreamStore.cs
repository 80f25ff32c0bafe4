using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy.Resumption;

#pragma warning disable MCP9006 // The resumability types serve the stateful (2025-11-25 and earlier) sessions the gateway runs.

/// <summary>
/// The gateway's SSE event store: every event sent to an agent is kept for <see cref="ResumptionOptions.Window"/>,
/// so an agent whose stream dropped can resume it with <c>Last-Event-ID</c>, within
/// <see cref="ResumptionOptions.MaxBufferedBytes"/> for all sessions together. Streams go with their session.
/// It also tells a request whose agent went away for good (<see cref="Watch"/>) from one whose agent comes back.
/// </summary>
internal sealed class ResumableStreamStore : ISseEventStreamStore, IDisposable
{
    /// <summary>What a kept event, or a stream, costs beyond its payload: the objects that describe it.</summary>
    internal const int EventOverhead = 128;

    internal const int StreamOverhead = 256;

    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    private readonly Lock _gate = new();
    private readonly Dictionary<long, ResumableStream> _byNumber = [];
    private readonly Dictionary<(string Session, string Stream), ResumableStream> _byKey = [];
    private readonly Dictionary<string, HashSet<ResumableStream>> _bySession = new(StringComparer.Ordinal);

    /// <summary>Kept events in the order written: the oldest go first, by age or for room.</summary>
    private readonly Queue<StoredEvent> _kept = new();

    /// <summary>Ended streams in the order they ended, forgotten a window later.</summary>
    private readonly Queue<ResumableStream> _ended = new();

    private const string MadeRoom = $"it made room for newer events within {ResumptionOptions.Section}:MaxBufferedBytes";

    private readonly string _keptForTheWindow;
    private readonly ResumptionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _sweep;
    private long _bytes;
    private long _nextNumber;

    public ResumableStreamStore(IOptions<ResumptionOptions> options, TimeProvider time, ILogger<ResumableStreamStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _keptForTheWindow = $"it was kept for {ResumptionOptions.Section}:Window ({_options.Window})";
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, _options.Window.Ticks / 4));
        _sweep = time.CreateTimer(_ => Sweep(), null, every, every);
    }

    public TimeSpan Window => _options.Window;

    /// <summary>Bytes the kept events and streams take, as counted against <see cref="ResumptionOptions.MaxBufferedBytes"/>.</summary>
    internal long BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    public ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions options, CancellationToken cancellationToken = default)
    {
        ResumableStream stream;
        lock (_gate)
        {
            stream = new ResumableStream(++_nextNumber, options.SessionId, options.StreamId, options.Mode);
            _byNumber[stream.Number] = stream;
            // A request id used again once its request is answered: the newer stream is the one watched.
            _byKey[(stream.SessionId, stream.StreamId)] = stream;
            if (!_bySession.TryGetValue(stream.SessionId, out var streams))
            {
                _bySession[stream.SessionId] = streams = [];
            }

            streams.Add(stream);
            _bytes += StreamOverhead;
            Trim();
        }

        return ValueTask.FromResult<ISseEventStreamWriter>(new Writer(this, stream));
    }

    public ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken = default)
    {
        if (Find(lastEventId) is ({ } stream, var sequence))
        {
            Log.StreamResumed(_logger, stream.SessionId, stream.StreamId, sequence);
            return ValueTask.FromResult<ISseEventStreamReader?>(new Reader(this, stream, sequence));
        }

        Log.ResumeRefused(_logger, lastEventId);
        return ValueTask.FromResult<ISseEventStreamReader?>(null);
    }

    /// <summary>
    /// Whether <paramref name="lastEventId"/> is, in session <paramref name="sessionId"/>, the answer to a request or an
    /// event after it: resuming from there can bring nothing more, the agent has the answer already.
    /// </summary>
    public bool IsAnsweredThrough(string sessionId, string lastEventId)
    {
        if (Find(lastEventId) is not ({ } stream, var sequence))
        {
            return false;
        }

        lock (_gate)
        {
            return !stream.Removed && stream.AnsweredAt <= sequence && string.Equals(stream.SessionId, sessionId, StringComparison.Ordinal);
        }
    }

    /// <summary>The kept stream an event id names, and the sequence in it; null when it names none, or an event not yet sent.</summary>
    private (ResumableStream Stream, long Sequence)? Find(string lastEventId)
    {
        var dash = lastEventId.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0
            && long.TryParse(lastEventId.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && long.TryParse(lastEventId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            lock (_gate)
            {
                if (_byNumber.TryGetValue(number, out var stream) && sequence <= stream.LastSequence)
                {
                    return (stream, sequence);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Watches the agent's connection to the stream of one of its requests, when that stream can be resumed: the
    /// request's own POST (<paramref name="connection"/> fires when it drops) and any reader resuming it. The
    /// presence it returns is abandoned once nothing has carried the stream for <see cref="Window"/>. Null when the
    /// stream cannot be resumed (resumption is off, or the agent's protocol version predates it).
    /// </summary>
    public AgentPresence? Watch(string sessionId, string streamId, CancellationToken connection)
    {
        ResumableStream? stream;
        CancellationTokenSource abandoned;
        lock (_gate)
        {
            if (!_byKey.TryGetValue((sessionId, streamId), out stream) || stream.Removed || stream.Abandoned is not null)
            {
                return null;
            }

            stream.Abandoned = abandoned = new CancellationTokenSource();
            stream.Connections++;
        }

        var dropped = connection.Register(() => Leave(stream));
        return new AgentPresence(_options.Window, cancellationToken => WhenAttended(stream).WaitAsync(cancellationToken), () =>
        {
            dropped.Dispose();
            lock (_gate)
            {
                stream.AbandonTimer?.Dispose();
                stream.AbandonTimer = null;
                stream.Abandoned = null;
            }
        }, abandoned.Token);
    }

    /// <summary>
    /// Whether a connection of the agent carries the stream now (its POST, or a reader resuming it). A dropped connection
    /// counts once the server has noticed it, which takes a moment after the agent let go.
    /// </summary>
    internal bool IsCarried(string sessionId, string streamId)
    {
        lock (_gate)
        {
            return _byKey.TryGetValue((sessionId, streamId), out var stream) && stream.Connections > 0;
        }
    }

    /// <summary>The session ended (closed by the agent, expired): nothing of it can be resumed any more.</summary>
    public void ForgetSession(string sessionId)
    {
        lock (_gate)
        {
            if (_bySession.Remove(sessionId, out var streams))
            {
                foreach (var stream in streams.ToArray())
                {
                    Remove(stream);
                }
            }
        }
    }

    private SseItem<JsonRpcMessage?> Write(ResumableStream stream, SseItem<JsonRpcMessage?> item)
    {
        // Serialized outside the lock: the payload is what is kept, so the message itself can be collected.
        var payload = item.Data is null ? null : JsonSerializer.SerializeToUtf8Bytes(item.Data, MessageType);
        RequestId? answers = item.Data is JsonRpcResponse or JsonRpcError ? ((JsonRpcMessageWithId)item.Data).Id : null;
        lock (_gate)
        {
            var sequence = ++stream.LastSequence;
            if (answers is not null)
            {
                stream.AnsweredAt ??= sequence;
            }

            // A priming event (no data) is never replayed: the agent has its id already.
            if (payload is not null && !stream.Removed)
            {
                var stored = new StoredEvent(stream, sequence, item.EventType, payload, answers, _time.GetTimestamp());
                stream.Events.Enqueue(stored);
                _bytes += EventOverhead + stored.Size;
                if (stored.Size > _options.MaxBufferedBytes / 4)
                {
                    // One answer must not push out everything else: it goes at once, and a resumer is told.
                    Drop(stored, $"at {stored.Size} bytes it is more than a quarter of {ResumptionOptions.Section}:MaxBufferedBytes");
                }
                else
                {
                    _kept.Enqueue(stored);
                    Trim();
                }
            }

            stream.Signal();
            return item with { EventId = stream.EventId(sequence) };
        }
    }

    private void SetMode(ResumableStream stream, SseEventStreamMode mode)
    {
        lock (_gate)
        {
            stream.Mode = mode;
            stream.Signal();
        }
    }

    private void End(ResumableStream stream)
    {
        lock (_gate)
        {
            if (stream.Ended)
            {
                return;
            }

            stream.Ended = true;
            stream.EndedAt = _time.GetTimestamp();
            stream.AbandonTimer?.Dispose();
            stream.AbandonTimer = null;
            stream.Signal();
            if (!stream.Removed)
            {
                _ended.Enqueue(stream);
            }
        }
    }

    private void Attend(ResumableStream stream)
    {
        lock (_gate)
        {
            stream.Connections++;
            stream.AbandonTimer?.Dispose();
            stream.AbandonTimer = null;
            stream.SignalAttended();
        }
    }

    private Task WhenAttended(ResumableStream stream)
    {
        lock (_gate)
        {
            return stream.Attended;
        }
    }

    private void Leave(ResumableStream stream)
    {
        lock (_gate)
        {
            stream.Connections--;
            if (stream.Connections == 0 && stream.Abandoned is not null && !stream.Ended && !stream.Removed)
            {
                stream.AbandonTimer?.Dispose();
                stream.AbandonTimer = _time.CreateTimer(_ => Abandon(stream), null, _options.Window, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Abandon(ResumableStream stream)
    {
        CancellationTokenSource? abandoned;
        lock (_gate)
        {
            abandoned = stream.Connections == 0 && !stream.Ended ? stream.Abandoned : null;
        }

        if (abandoned is not null)
        {
            Log.StreamAbandoned(_logger, stream.SessionId, stream.StreamId, _options.Window);
            // Not disposed: it has no timer of its own, and the request may still be reading its token.
            abandoned.Cancel();
        }
    }

    /// <summary>The events after <paramref name="after"/> as they stand now, and whether the stream will bring no more.</summary>
    private (SseItem<JsonRpcMessage?>[] Events, long Last, bool Done, Task Changed) Read(ResumableStream stream, long after)
    {
        (StoredEvent Event, byte[]? Payload, string? Because)[] events;
        bool done;
        Task changed;
        lock (_gate)
        {
            events = [.. stream.Events.Where(e => e.Sequence > after && !e.Dropped).Select(e => (e, e.Payload, e.DroppedBecause))];
            done = stream.Ended || stream.Removed || stream.Mode == SseEventStreamMode.Polling;
            changed = done ? Task.CompletedTask : stream.Changed;
        }

        // Deserialized outside the lock, from what was read under it.
        return ([.. events.Select(e => Replay(e.Event, e.Payload, e.Because))], events.Length == 0 ? after : events[^1].Event.Sequence, done, changed);
    }

    private static SseItem<JsonRpcMessage?> Replay(StoredEvent stored, byte[]? payload, string? droppedBecause)
    {
        JsonRpcMessage? message = payload is not null
            ? JsonSerializer.Deserialize(payload, MessageType)
            : new JsonRpcError
            {
                Id = stored.Answers!.Value,
                Error = new JsonRpcErrorDetail
                {
                    Code = (int)McpErrorCode.InternalError,
                    Message = "The gateway answered this request on the connection that dropped, but no longer holds that answer " +
                        $"for resumption: {droppedBecause}. The request may have run (a tool call may have had its effect): " +
                        "check before repeating it.",
                },
            };
        return new SseItem<JsonRpcMessage?>(message, stored.EventType) { EventId = stored.Stream.EventId(stored.Sequence) };
    }

    /// <summary>Lets the oldest events go until the kept ones fit <see cref="ResumptionOptions.MaxBufferedBytes"/>.</summary>
    private void Trim()
    {
        while (_bytes > _options.MaxBufferedBytes && _kept.TryDequeue(out var oldest))
        {
            Drop(oldest, MadeRoom);
        }

        // What is left is placeholders and streams: the ended ones go, oldest first.
        while (_bytes > _options.MaxBufferedBytes && _ended.TryDequeue(out var ended))
        {
            Remove(ended);
        }
    }

    private void Sweep()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            while (_kept.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.WrittenAt, now) >= _options.Window)
            {
                Drop(_kept.Dequeue(), _keptForTheWindow);
            }

            while (_ended.TryPeek(out var ended) && _time.GetElapsedTime(ended.EndedAt, now) >= _options.Window)
            {
                Remove(_ended.Dequeue());
            }
        }
    }

    /// <summary>Lets a kept event's payload go: an answer stays as a placeholder that says why, anything else goes entirely.</summary>
    private void Drop(StoredEvent stored, string because)
    {
        if (stored.Payload is null || stored.Dropped)
        {
            return;
        }

        var stream = stored.Stream;
        if (!stream.Removed)
        {
            _bytes -= stored.Size;
        }

        stored.Payload = null;
        if (stored.Answers is not null)
        {
            stored.DroppedBecause = because;
            Log.AnswerDropped(_logger, stream.SessionId, stream.StreamId, stored.Size, because);
            return;
        }

        stored.Dropped = true;
        if (!stream.Removed)
        {
            _bytes -= EventOverhead;
        }

        while (stream.Events.TryPeek(out var first) && first.Dropped)
        {
            stream.Events.Dequeue();
        }
    }

    private void Remove(ResumableStream stream)
    {
        if (stream.Removed)
        {
            return;
        }

        stream.Removed = true;
        foreach (var stored in stream.Events.Where(e => !e.Dropped))
        {
            _bytes -= EventOverhead + (stored.Payload?.Length ?? 0);
            // Its place in the queue of kept events lasts until the window passes: the payload need not.
            stored.Payload = null;
            stored.Dropped = true;
        }

        _bytes -= StreamOverhead;
        stream.Events.Clear();
        stream.AbandonTimer?.Dispose();
        stream.AbandonTimer = null;
        stream.Signal();
        _byNumber.Remove(stream.Number);
        if (_byKey.TryGetValue((stream.SessionId, stream.StreamId), out var current) && ReferenceEquals(current, stream))
        {
            _byKey.Remove((stream.SessionId, stream.StreamId));
        }

        if (_bySession.TryGetValue(stream.SessionId, out var streams))
        {
            streams.Remove(stream);
            if (streams.Count == 0)
            {
                _bySession.Remove(stream.SessionId);
            }
        }
    }

    public void Dispose() => _sweep.Dispose();

    private sealed class Writer(ResumableStreamStore store, ResumableStream stream) : ISseEventStreamWriter
    {
        public ValueTask SetModeAsync(SseEventStreamMode mode, CancellationToken cancellationToken = default)
        {
            store.SetMode(stream, mode);
            return ValueTask.CompletedTask;
        }

        public ValueTask<SseItem<JsonRpcMessage?>> WriteEventAsync(SseItem<JsonRpcMessage?> sseItem, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(sseItem.EventId is null ? store.Write(stream, sseItem) : sseItem);

        public ValueTask DisposeAsync()
        {
            store.End(stream);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Reader(ResumableStreamStore store, ResumableStream stream, long after) : ISseEventStreamReader
    {
        public string SessionId => stream.SessionId;

        public string StreamId => stream.StreamId;

        public async IAsyncEnumerable<SseItem<JsonRpcMessage?>> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            // While it is read, the agent is back on this stream: its request is not abandoned.
            store.Attend(stream);
            try
            {
                var last = after;
                while (true)
                {
                    var (events, through, done, changed) = store.Read(stream, last);
                    foreach (var item in events)
                    {
                        yield return item;
                    }

                    last = through;

                    if (done)
                    {
                        yield break;
                    }

                    await changed.WaitAsync(cancellationToken);
                }
            }
            finally
            {
                store.Leave(stream);
            }
        }
    }
}
