using System.Buffers;
using System.Text.Json;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Reads along one SSE answer stream of an upstream and notes the id of each request the server sends on it (not its
/// answers or notifications) as coming with <paramref name="origin"/>. It sees each chunk before the SDK's client
/// does, so the note is there before the client can have read the request.
/// </summary>
internal sealed class SseRequestSpotter(ServerRequestOrigins origins, object origin)
{
    /// <summary>
    /// Longer events are left unread: they are answers (a tool result), or requests that carry whole files, whose
    /// agent request is then guessed (<see cref="UpstreamClientRole.AnswerAsync"/>).
    /// </summary>
    private const int MaxEventBytes = 1 << 20;

    private readonly ArrayBufferWriter<byte> _line = new();
    private readonly ArrayBufferWriter<byte> _data = new();
    private bool _afterCarriageReturn;
    private bool _lineHasBytes;
    private bool _tooLong;

    /// <summary>Follows SSE's framing: CR, LF or CRLF end a line, a blank line ends an event, <c>data:</c> lines make it.</summary>
    public void Read(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            if (_afterCarriageReturn && chunk[0] == (byte)'\n')
            {
                chunk = chunk[1..];
            }

            _afterCarriageReturn = false;
            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            var text = end < 0 ? chunk : chunk[..end];
            _lineHasBytes |= !text.IsEmpty;
            Keep(_line, text);
            if (end < 0)
            {
                return;
            }

            _afterCarriageReturn = chunk[end] == (byte)'\r';
            EndLine();
            chunk = chunk[(end + 1)..];
        }
    }

    private void EndLine()
    {
        var line = _line.WrittenSpan;
        if (!_lineHasBytes)
        {
            if (!_tooLong && _data.WrittenCount > 0)
            {
                NoteRequest(_data.WrittenSpan);
            }

            _data.ResetWrittenCount();
            _tooLong = false;
        }
        else if (!_tooLong && line.StartsWith("data:"u8))
        {
            var value = line["data:".Length..];
            if (_data.WrittenCount > 0)
            {
                Keep(_data, "\n"u8);
            }

            Keep(_data, value.StartsWith(" "u8) ? value[1..] : value);
        }

        _line.ResetWrittenCount();
        _lineHasBytes = false;
    }

    private void Keep(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes)
    {
        if (_tooLong || buffer.WrittenCount + bytes.Length > MaxEventBytes)
        {
            _tooLong = true;
            return;
        }

        buffer.Write(bytes);
    }

    private void NoteRequest(ReadOnlySpan<byte> json)
    {
        // Only requests name a method and carry an id; the SDK's client answers pings itself.
        if (json.IndexOf("\"method\""u8) < 0)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }

            RequestId? id = null;
            var isRequest = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueTextEquals("id"u8) ? "id" : reader.ValueTextEquals("method"u8) ? "method" : null;
                reader.Read();
                switch (name)
                {
                    case "id" when reader.TokenType == JsonTokenType.String:
                        id = new RequestId(reader.GetString()!);
                        break;
                    case "id" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number):
                        id = new RequestId(number);
                        break;
                    case "method":
                        isRequest = reader.TokenType == JsonTokenType.String && !reader.ValueTextEquals(RequestMethods.Ping);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (isRequest && id is { } request)
            {
                origins.Note(request, origin);
            }
        }
        catch (JsonException)
        {
            // Not JSON-RPC: the SDK's client skips it too.
        }
    }
}
