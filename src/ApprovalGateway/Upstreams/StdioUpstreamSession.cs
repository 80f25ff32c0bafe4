using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ApprovalGateway.Proxy;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// One running stdio upstream: JSON-RPC messages one per line on its stdin and stdout, its stderr logged. A message
/// over the cap ends the session (the process is killed and the link restarts it): skipping it would leave the
/// request it answers waiting for ever, and which request that is cannot be read without reading the message.
/// </summary>
internal sealed class StdioUpstreamSession : TransportBase
{
    /// <summary>Longer stderr lines are logged cut; they are diagnostics, not protocol.</summary>
    private const int MaxStandardErrorLineBytes = 4096;

    /// <summary>How long a server may take to exit once its stdin is closed, and to die once killed.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    private readonly string _upstream;
    private readonly Process _process;
    private readonly int _processId;
    private readonly Stream _stdin;
    private readonly long _maxMessageBytes;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _readingErrors;
    private readonly Lock _closeLock = new();
    private Task? _closing;
    private volatile string? _lastErrorLine;

    public StdioUpstreamSession(string upstream, Process process, long maxMessageBytes, ILogger logger)
        : base(upstream, loggerFactory: null)
    {
        (_upstream, _process, _maxMessageBytes, _logger) = (upstream, process, maxMessageBytes, logger);
        _processId = process.Id;
        _stdin = process.StandardInput.BaseStream;
        SetConnected();
        _readingErrors = Task.Run(ReadErrorsAsync);
        _ = Task.Run(ReadMessagesAsync);
    }

    public override async Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
    {
        var line = JsonRpcLine.Encode(message);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            // Not cancellable once begun: half a message would garble every later one.
            await _stdin.WriteAsync(line, CancellationToken.None);
            await _stdin.FlushAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A server that died says why on stderr, which may still be on its way.
            if (await WaitForExitAsync(TimeSpan.FromSeconds(1)) && HasExited(out var code))
            {
                await DrainErrorsAsync();
                throw new IOException(ExitReason(code), ex);
            }

            throw new IOException($"the gateway could not write to its stdin: {ex.Message}", ex);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public override async ValueTask DisposeAsync() => await CloseAsync(error: null, kill: false, unexpected: false);

    private async Task ReadMessagesAsync()
    {
        Exception? error = null;
        await using (var lines = new BoundedLineReader(_process.StandardOutput.BaseStream, _maxMessageBytes))
        {
            try
            {
                while (true)
                {
                    var (kind, line) = await lines.ReadLineAsync(_stopping.Token);
                    if (kind == BoundedLineReader.Kind.End)
                    {
                        break;
                    }

                    if (kind == BoundedLineReader.Kind.Overlong)
                    {
                        error = new UpstreamMessageTooLargeException(_upstream, _maxMessageBytes);
                        Log.StdioMessageTooLarge(_logger, _upstream, _maxMessageBytes);
                        break;
                    }

                    if (Parse(line) is { } message)
                    {
                        await WriteMessageAsync(message, _stopping.Token);
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
        }

        await CloseAsync(error, kill: error is not null, unexpected: true);
    }

    private JsonRpcMessage? Parse(in ReadOnlySequence<byte> line)
    {
        var json = (line.IsSingleSegment ? line.FirstSpan : line.ToArray()).Trim(" \t\r"u8);
        if (json.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, JsonRpcLine.MessageType);
        }
        catch (JsonException ex)
        {
            // Some servers print banners to stdout; the SDK's transport skips such lines too.
            Log.StdioLineUnreadable(_logger, _upstream, ex.Message, Encoding.UTF8.GetString(json[..Math.Min(json.Length, 200)]));
            return UnreadableAnswer(json, ex);
        }
    }

    /// <summary>
    /// An error in place of an answer that cannot be read, under the id of the request it answers: skipped, that
    /// request would wait out its RequestTimeout for an answer that came. Null for a line that answers nothing (a
    /// banner, a request or a notification).
    /// </summary>
    private JsonRpcError? UnreadableAnswer(ReadOnlySpan<byte> json, JsonException problem)
    {
        var (id, method, _) = UnreadableMessage.TopLevel(new ReadOnlySequence<byte>(json.ToArray()), complete: true);
        return id.Id is null || method is not null
            ? null
            : new JsonRpcError
            {
                Id = id,
                Error = new JsonRpcErrorDetail
                {
                    Code = (int)McpErrorCode.InternalError,
                    Message = $"Upstream '{_upstream}' answered with a message that is not valid JSON-RPC, so the gateway did not pass it on: {problem.Message}",
                },
            };
    }

    private async Task ReadErrorsAsync()
    {
        try
        {
            // Read to the end whatever happens, so the reason a server died (its last line) is known when it has.
            await using var lines = new BoundedLineReader(_process.StandardError.BaseStream, MaxStandardErrorLineBytes);
            while (await lines.ReadLineAsync(CancellationToken.None) is (not BoundedLineReader.Kind.End, var line) read)
            {
                var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
                if (read.Kind == BoundedLineReader.Kind.Overlong)
                {
                    text += $" [cut at {MaxStandardErrorLineBytes} bytes]";
                }

                if (!string.IsNullOrWhiteSpace(text))
                {
                    _lastErrorLine = text;
                    Log.UpstreamStandardError(_logger, _upstream, text);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the session once, whoever asks first: the gateway, or the reader on the end of stdout.</summary>
    private Task CloseAsync(Exception? error, bool kill, bool unexpected)
    {
        lock (_closeLock)
        {
            return _closing ??= Task.Run(() => CloseCoreAsync(error, kill, unexpected));
        }
    }

    private async Task CloseCoreAsync(Exception? error, bool kill, bool unexpected)
    {
        if (!kill)
        {
            // MCP's stdio shutdown: close the server's stdin, let it exit, and only then end it.
            var idle = await _sendLock.WaitAsync(ExitGrace);
            _stdin.Dispose();
            if (idle)
            {
                _sendLock.Release();
            }

            kill = !await WaitForExitAsync();
        }

        if (kill)
        {
            try
            {
                // Node servers leave their own children running when they exit; the whole tree goes.
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It had already exited.
            }

            await WaitForExitAsync();
        }

        await DrainErrorsAsync();
        await _stopping.CancelAsync();
        var exited = HasExited(out var code);
        if (error is null && unexpected)
        {
            error = new IOException(exited ? ExitReason(code) : "it closed its stdout");
        }

        SetDisconnected(new ClientTransportClosedException(new StdioClientCompletionDetails
        {
            Exception = error,
            ExitCode = exited ? code : null,
            ProcessId = _processId,
            StandardErrorTail = _lastErrorLine is { } last ? [last] : null,
        }));
        _process.Dispose();
    }

    private async Task DrainErrorsAsync()
    {
        try
        {
            await _readingErrors.WaitAsync(ExitGrace);
        }
        catch (TimeoutException)
        {
            // A grandchild still holds stderr open; its last line is not needed to go on.
        }
    }

    private async Task<bool> WaitForExitAsync(TimeSpan? within = null)
    {
        using var grace = new CancellationTokenSource(within ?? ExitGrace);
        try
        {
            await _process.WaitForExitAsync(grace.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // The session closed and let go of the process.
            return true;
        }
    }

    private bool HasExited(out int exitCode)
    {
        try
        {
            if (_process.HasExited)
            {
                exitCode = _process.ExitCode;
                return true;
            }
        }
        catch (InvalidOperationException)
        {
        }

        exitCode = 0;
        return false;
    }

    private string ExitReason(int exitCode) =>
        $"its process exited with code {exitCode}" + (_lastErrorLine is { } last ? $"; last stderr line: {last}" : "");
}
