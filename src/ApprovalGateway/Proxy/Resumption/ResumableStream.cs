using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy.Resumption;

#pragma warning disable MCP9006 // The resumability types serve the stateful (2025-11-25 and earlier) sessions the gateway runs.

/// <summary>
/// One SSE stream of a session (a POST's answer, or the GET stream) as <see cref="ResumableStreamStore"/> keeps it:
/// its recent events, and who is connected to it. Guarded by the store's lock.
/// </summary>
internal sealed class ResumableStream(long number, string sessionId, string streamId, SseEventStreamMode mode)
{
    public long Number { get; } = number;

    public string SessionId { get; } = sessionId;

    public string StreamId { get; } = streamId;

    public SseEventStreamMode Mode { get; set; } = mode;

    /// <summary>Kept events, oldest first; an answer whose payload had to go stays as a placeholder.</summary>
    public Queue<StoredEvent> Events { get; } = new();

    public long LastSequence { get; set; }

    /// <summary>The sequence of the event that answered the stream's request (a response or an error); null until then.</summary>
    public long? AnsweredAt { get; set; }

    /// <summary>The writer is done: nothing more will come.</summary>
    public bool Ended { get; set; }

    public long EndedAt { get; set; }

    /// <summary>Forgotten by the store (expired, or its session ended): readers stop, writes are not kept.</summary>
    public bool Removed { get; set; }

    /// <summary>Open HTTP responses carrying this stream: its own POST while it lasts, and readers resuming it.</summary>
    public int Connections { get; set; }

    /// <summary>Set while the gateway watches for the agent abandoning this stream's request (see <see cref="AgentPresence"/>).</summary>
    public CancellationTokenSource? Abandoned { get; set; }

    public ITimer? AbandonTimer { get; set; }

    private TaskCompletionSource? _changed;

    private TaskCompletionSource? _attended;

    /// <summary>Completes once something carries the stream again; made only while the gateway waits for that.</summary>
    public Task Attended => Connections > 0
        ? Task.CompletedTask
        : (_attended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void SignalAttended()
    {
        _attended?.TrySetResult();
        _attended = null;
    }

    public string EventId(long sequence) => $"{Number}-{sequence}";

    /// <summary>Completes when something is written or the stream ends; made only while a reader waits.</summary>
    public Task Changed => (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Signal()
    {
        _changed?.TrySetResult();
        _changed = null;
    }
}
