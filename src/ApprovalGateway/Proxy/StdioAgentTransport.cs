using System.Buffers;
using System.Text.Json;
using ApprovalGateway.Upstreams;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The agent's side of <c>--stdio</c>: JSON-RPC messages one per line on stdin and stdout. The gateway has this
/// instead of the SDK's stdio transport, which reads every line whole (a client that never sends a newline fills the
/// gateway's memory) and drops a line it cannot read without a word (the client's request then waits for ever). Here
/// a line is read up to <c>Gateway:MaxRequestBodyBytes</c>, and a line that is not a JSON-RPC message is answered
/// with the JSON-RPC error for it (<see cref="UnreadableMessage"/>); the session goes on with the next line.
/// </summary>
internal sealed class StdioAgentTransport : TransportBase
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly long _maxMessageBytes;
    private readonly ILogger _logger;
    private readonly Func<ReadOnlySequence<byte>, bool, JsonRpcError, Task>? _unreadable;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reading;
    private int _disposed;

    /// <param name="unreadable">
    /// Told of each line answered as unreadable: the line (or its head, when it was too long to read whole, the
    /// second argument then false) and the answer it got, for the audit log.
    /// </param>
    public StdioAgentTransport(
        Stream input, Stream output, long maxMessageBytes, ILogger logger, Func<ReadOnlySequence<byte>, bool, JsonRpcError, Task>? unreadable = null)
        : base("stdio", loggerFactory: null)
    {
        (_input, _output, _maxMessageBytes, _logger, _unreadable) = (new CancellableInputStream(input), output, maxMessageBytes, logger, unreadable);
        SetConnected();
        _reading = Task.Run(ReadMessagesAsync);
    }

    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        if (!IsConnected)
        {
            // As the SDK's stdio transport: once the client has closed its input, nobody reads the answers.
            return;
        }

        var line = JsonRpcLine.Encode(message);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            // Not cancellable once begun: half a message would garble every later one.
            await _output.WriteAsync(line, CancellationToken.None);
            await _output.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            throw new IOException("The gateway could not write to its stdout: " + ex.Message, ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _reading;
        _input.Dispose();
        await _output.DisposeAsync();
        SetDisconnected();
    }

    private async Task ReadMessagesAsync()
    {
        Exception? error = null;
        try
        {
            await using var lines = new BoundedLineReader(_input, _maxMessageBytes);
            while (true)
            {
                var (kind, line) = await lines.ReadLineAsync(_stopping.Token);
                if (kind == BoundedLineReader.Kind.End)
                {
                    break;
                }

                if (kind == BoundedLineReader.Kind.Overlong)
                {
                    Log.StdioLineTooLong(_logger, _maxMessageBytes);
                    var tooLong = UnreadableMessage.TooLong(line, _maxMessageBytes);
                    await AnswerAsync(tooLong);
                    await RecordAsync(line, complete: false, tooLong);
                    continue;
                }

                var message = Read(line, out var answer);
                if (message is not null)
                {
                    await WriteMessageAsync(message, _stopping.Token);
                }
                else if (answer is not null)
                {
                    await AnswerAsync(answer);
                    await RecordAsync(line, complete: true, answer);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            SetDisconnected(error);
        }
    }

    /// <summary>The line's message; else the answer it gets, or neither for a blank line.</summary>
    private JsonRpcMessage? Read(in ReadOnlySequence<byte> line, out JsonRpcError? answer)
    {
        answer = null;
        var json = (line.IsSingleSegment ? line.FirstSpan : line.ToArray()).Trim(" \t\r"u8);
        if (json.StartsWith("\uFEFF"u8))
        {
            // A client that writes with a byte order mark (.NET's UTF-8 encoding by default) sends it before its first line.
            json = json[3..].TrimStart(" \t"u8);
        }

        if (json.IsEmpty)
        {
            return null;
        }

        try
        {
            var message = JsonSerializer.Deserialize(json, JsonRpcLine.MessageType) ?? throw new JsonException("The line is JSON null.");

            // The SDK's reader skips a member JSON-RPC does not define; over HTTP it refuses the body for one, and the
            // gateway answers that as this does, so an agent hears the same over either.
            answer = UnreadableMessage.UndefinedMember(json);
            if (answer is null)
            {
                return message;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            answer = UnreadableMessage.Answer(json, ex);
        }

        Log.StdioLineUnreadable(_logger, answer.Error.Code, json.Length, answer.Error.Message);
        return null;
    }

    private Task RecordAsync(ReadOnlySequence<byte> line, bool complete, JsonRpcError answer) =>
        _unreadable?.Invoke(line, complete, answer) ?? Task.CompletedTask;

    private async Task AnswerAsync(JsonRpcError answer)
    {
        try
        {
            await SendMessageAsync(answer, _stopping.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The client has gone or the session is ending: nobody is left to tell.
        }
    }
}
