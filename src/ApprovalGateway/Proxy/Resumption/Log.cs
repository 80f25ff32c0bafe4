namespace ApprovalGateway.Proxy.Resumption;

internal static partial class Log
{
    [LoggerMessage(1170, LogLevel.Debug, "Session {SessionId} resumes stream {StreamId} after event {Sequence}.")]
    public static partial void StreamResumed(ILogger logger, string sessionId, string streamId, long sequence);

    [LoggerMessage(1171, LogLevel.Information, "Refused to resume from Last-Event-ID '{LastEventId}': no stream kept for it (it ended more than Gateway:Resumption:Window ago, or its session is gone).")]
    public static partial void ResumeRefused(ILogger logger, string lastEventId);

    [LoggerMessage(1172, LogLevel.Information, "Session {SessionId}: request {StreamId} is stopped, its agent's connection dropped and it did not resume within {Window}.")]
    public static partial void StreamAbandoned(ILogger logger, string sessionId, string streamId, TimeSpan window);

    [LoggerMessage(1173, LogLevel.Debug, "Session {SessionId}: the answer to request {StreamId} ({Bytes} bytes) is no longer kept for resumption: {Because}.")]
    public static partial void AnswerDropped(ILogger logger, string sessionId, string streamId, int bytes, string because);

    [LoggerMessage(1174, LogLevel.Debug, "Session {SessionId} resumed from Last-Event-ID '{LastEventId}', at or after its request's answer: refused with 405, nothing more comes on that stream.")]
    public static partial void AnsweredStreamResumed(ILogger logger, string sessionId, string lastEventId);
}
