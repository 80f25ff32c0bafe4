using System.Buffers;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The JSON-RPC 2.0 answer to a line from the agent that is not a message the gateway can read: -32700 Parse error
/// when it is not JSON, -32600 Invalid Request when it is JSON but not a JSON-RPC message, or too long to read. The
/// answer carries the request's id when one can be found (the client's request then ends instead of waiting for
/// ever), null otherwise, as JSON-RPC asks. It says what was wrong without repeating the line.
/// </summary>
internal static class UnreadableLine
{
    private const int MaxDetailLength = 120;

    public static JsonRpcError Answer(ReadOnlySpan<byte> json, Exception problem)
    {
        if (JsonErrorAt(json) is { } at)
        {
            // Where, not what: the reader's own message quotes the line from that point on.
            return Error(
                default,
                McpErrorCode.ParseError,
                $"Parse error: the line is not valid JSON (it goes wrong at byte {at} of {json.Length}). Send one JSON-RPC message per line.");
        }

        var first = new Utf8JsonReader(json);
        first.Read();
        return first.TokenType switch
        {
            JsonTokenType.StartArray => Error(
                default, McpErrorCode.InvalidRequest, "Invalid Request: the line is a JSON array; MCP sends one JSON-RPC message per line, not batches."),
            JsonTokenType.StartObject => Error(
                TopLevelId(new ReadOnlySequence<byte>(json.ToArray()), complete: true),
                McpErrorCode.InvalidRequest,
                $"Invalid Request: the line is JSON but not a JSON-RPC 2.0 message ({Detail(problem)})."),
            _ => Error(default, McpErrorCode.InvalidRequest, "Invalid Request: the line is JSON but not a JSON-RPC 2.0 message (a message is a JSON object)."),
        };
    }

    /// <summary>The answer to a line cut at <paramref name="maxBytes"/>; <paramref name="head"/> is what was read of it.</summary>
    public static JsonRpcError TooLong(ReadOnlySequence<byte> head, long maxBytes) => Error(
        TopLevelId(head, complete: false),
        McpErrorCode.InvalidRequest,
        $"Invalid Request: the line is longer than the gateway's limit of {maxBytes} bytes (Gateway:MaxRequestBodyBytes), so it was not read.");

    private static JsonRpcError Error(RequestId id, McpErrorCode code, string message) =>
        new() { Id = id, Error = new JsonRpcErrorDetail { Code = (int)code, Message = message } };

    /// <summary>Where the line stops being JSON, or null when it is JSON.</summary>
    private static long? JsonErrorAt(ReadOnlySpan<byte> json)
    {
        // As deep as the line goes: a message nested past the SDK's depth limit is JSON all the same.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException ex)
        {
            return ex.BytePositionInLine ?? reader.BytesConsumed;
        }
    }

    /// <summary>The string or integer <c>id</c> of a top-level object, found by skipping every other value; default when there is none.</summary>
    private static RequestId TopLevelId(ReadOnlySequence<byte> json, bool complete)
    {
        var reader = new Utf8JsonReader(json, complete, new JsonReaderState(new JsonReaderOptions { MaxDepth = int.MaxValue }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("id"u8);
                if (!reader.Read())
                {
                    return default;
                }

                if (isId)
                {
                    return reader.TokenType switch
                    {
                        JsonTokenType.String => new RequestId(reader.GetString()!),
                        JsonTokenType.Number when reader.TryGetInt64(out var number) => new RequestId(number),
                        _ => default,
                    };
                }

                // Of a cut line, the id may come after a value that was cut: then there is none to give.
                if (!reader.TrySkip())
                {
                    return default;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // The id is looked for only to end the client's request; a line too broken to find it gets a null id.
        }

        return default;
    }

    /// <summary>The reason the SDK gave ("Missing jsonrpc version"), without the path the serializer adds, cut short.</summary>
    private static string Detail(Exception problem)
    {
        var detail = problem.Message;
        var path = detail.IndexOf(" Path: ", StringComparison.Ordinal);
        detail = (path >= 0 ? detail[..path] : detail).Trim().TrimEnd('.');
        return detail.Length <= MaxDetailLength ? detail : detail[..MaxDetailLength] + "…";
    }
}
