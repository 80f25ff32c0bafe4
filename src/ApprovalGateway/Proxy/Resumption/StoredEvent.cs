using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy.Resumption;

/// <summary>One kept SSE event: the serialized message, or for an answer that had to go, why it went.</summary>
internal sealed class StoredEvent(ResumableStream stream, long sequence, string? eventType, byte[] payload, RequestId? answers, long writtenAt)
{
    public ResumableStream Stream { get; } = stream;

    public long Sequence { get; } = sequence;

    public string? EventType { get; } = eventType;

    public byte[]? Payload { get; set; } = payload;

    /// <summary>The request this event answers, when it is a response or an error: such an event never disappears silently.</summary>
    public RequestId? Answers { get; } = answers;

    public int Size { get; } = payload.Length;

    public long WrittenAt { get; } = writtenAt;

    /// <summary>Why the payload of an answer went; null while it is kept.</summary>
    public string? DroppedBecause { get; set; }

    /// <summary>Gone from the stream (a notification or request whose payload went); skipped by readers.</summary>
    public bool Dropped { get; set; }
}
