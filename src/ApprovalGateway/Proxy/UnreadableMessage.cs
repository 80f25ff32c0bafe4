using System.Buffers;
using System.Text;
using System.Text.Json;
using ApprovalGateway.Policy.Arguments;
using ApprovalGateway.Policy.Text;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The JSON-RPC 2.0 answer to a line from the agent (or, with <c>body</c>, an HTTP body) that is not a message the
/// gateway can read: -32700 Parse error when it is not JSON, -32600 Invalid Request when it is JSON but not a
/// JSON-RPC message, or too long to read. The answer carries the request's id when one can be found (the client's
/// request then ends instead of waiting for ever), null otherwise, as JSON-RPC asks. It says what was wrong without
/// repeating the line.
/// </summary>
internal static class UnreadableMessage
{
    private const int MaxDetailLength = 120;

    private const int MaxMemberLength = 40;

    private const string ErrorShape = "an error is an object with an integer code and a string message";

    public static JsonRpcError Answer(ReadOnlySpan<byte> json, Exception problem, bool body = false)
    {
        var (unit, per) = body ? ("body", "per POST") : ("line", "per line");
        if (JsonErrorAt(json) is { } at)
        {
            // Where, not what: the reader's own message quotes the line from that point on.
            return Error(
                default,
                McpErrorCode.ParseError,
                $"Parse error: the {unit} is not valid JSON (it goes wrong at byte {at} of {json.Length}). Send one JSON-RPC message {per}.");
        }

        var first = new Utf8JsonReader(json);
        first.Read();
        return first.TokenType switch
        {
            JsonTokenType.StartArray => Error(
                default, McpErrorCode.InvalidRequest, $"Invalid Request: the {unit} is a JSON array; MCP sends one JSON-RPC message {per}, not batches."),
            JsonTokenType.StartObject => Error(
                TopLevel(new ReadOnlySequence<byte>(json.ToArray()), complete: true).Id,
                McpErrorCode.InvalidRequest,
                $"Invalid Request: the {unit} is JSON but not a JSON-RPC 2.0 message ({MistypedMember(json) ?? Detail(problem)})."),
            _ => Error(default, McpErrorCode.InvalidRequest, $"Invalid Request: the {unit} is JSON but not a JSON-RPC 2.0 message (a message is a JSON object)."),
        };
    }

    /// <summary>The answer to a line cut at <paramref name="maxBytes"/>; <paramref name="head"/> is what was read of it.</summary>
    public static JsonRpcError TooLong(ReadOnlySequence<byte> head, long maxBytes) => Error(
        TopLevel(head, complete: false).Id,
        McpErrorCode.InvalidRequest,
        $"Invalid Request: the line is longer than the gateway's limit of {maxBytes} bytes (Gateway:MaxRequestBodyBytes), so it was not read.");

    /// <summary>
    /// The answer to a body of which only <paramref name="head"/> was read: -32700 when the head already is not JSON,
    /// -32600 otherwise.
    /// </summary>
    public static JsonRpcError Cut(ReadOnlySequence<byte> head)
    {
        var reader = new Utf8JsonReader(head, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = int.MaxValue }));
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            return Error(
                default, McpErrorCode.ParseError, $"Parse error: the body is not valid JSON (it goes wrong at byte {ex.BytePositionInLine ?? reader.BytesConsumed}). Send one JSON-RPC message per POST.");
        }

        return Error(
            TopLevel(head, complete: false).Id,
            McpErrorCode.InvalidRequest,
            $"Invalid Request: the body is not a JSON-RPC 2.0 message (the gateway looks at its first {head.Length / 1024} KiB only to say why).");
    }

    /// <summary>
    /// The answer to a line (or, with <c>body</c>, an HTTP body) that is a JSON-RPC message with a member JSON-RPC does
    /// not define (<c>"extra": 1</c>), or null when it has none. The SDK's reader of a POST body cannot skip such a
    /// member (it reads the body as it arrives) and refuses the body with its own words, no id and no audit record,
    /// though the gateway reads it; its reader of a stdio line skips it. The agent hears the same either way.
    /// </summary>
    public static JsonRpcError? UndefinedMember(ReadOnlySpan<byte> json, bool body = false)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("jsonrpc"u8) && !reader.ValueTextEquals("id"u8) && !reader.ValueTextEquals("method"u8) &&
                !reader.ValueTextEquals("params"u8) && !reader.ValueTextEquals("result"u8) && !reader.ValueTextEquals("error"u8))
            {
                var member = reader.GetString()!;
                member = ShortText.Cut(member, MaxMemberLength);
                return Error(
                    TopLevel(new ReadOnlySequence<byte>(json.ToArray()), complete: true).Id,
                    McpErrorCode.InvalidRequest,
                    $"Invalid Request: the {(body ? "body" : "line")} is JSON but not a JSON-RPC 2.0 message (it has a member \"{member}\", which JSON-RPC does not define).");
            }

            reader.Read();
            reader.Skip();
        }

        return null;
    }

    /// <summary>
    /// What is wrong with a member JSON-RPC gives a type (<c>"id": 13.5</c>, <c>"method": 5</c>), in the agent's
    /// terms; null when each has its type. The SDK's words for these name its own types
    /// ("could not be converted to ModelContextProtocol.Protocol.RequestId"), which tell an agent's author nothing.
    /// </summary>
    private static string? MistypedMember(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                var problem = name switch
                {
                    "jsonrpc" when reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("2.0"u8) =>
                        $"its jsonrpc is {Shown(ref reader)}, where JSON-RPC 2.0 asks for \"2.0\"",
                    "id" when reader.TokenType == JsonTokenType.Null =>
                        "its id is null: a request's id is a string or an integer, and a notification has no id",
                    "id" when reader.TokenType != JsonTokenType.String && !(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _)) =>
                        $"its id is {Shown(ref reader)}: an id is a string or an integer",
                    "method" when reader.TokenType != JsonTokenType.String => $"its method is {Shown(ref reader)}: a method is a string",
                    "error" when reader.TokenType != JsonTokenType.StartObject => $"its error is {Shown(ref reader)}: {ErrorShape}",
                    "error" => ErrorProblem(ref reader),
                    _ => null,
                };
                if (problem is not null)
                {
                    return problem;
                }

                reader.Skip();
            }
        }
        catch (InvalidOperationException)
        {
            // A name or value that is not Unicode text: the SDK's words say that well enough.
        }

        return null;
    }

    /// <summary>What is wrong with the error object the reader is at, read to its end; null when nothing is.</summary>
    private static string? ErrorProblem(ref Utf8JsonReader reader)
    {
        var (code, message) = (false, false);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "code" when reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out _):
                    return $"its error's code is {Shown(ref reader)}: {ErrorShape}";
                case "message" when reader.TokenType != JsonTokenType.String:
                    return $"its error's message is {Shown(ref reader)}: {ErrorShape}";
                case "code":
                    code = true;
                    break;
                case "message":
                    message = true;
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return (code, message) switch
        {
            (false, _) => $"its error has no code: {ErrorShape}",
            (_, false) => $"its error has no message: {ErrorShape}",
            _ => null,
        };
    }

    /// <summary>The value the reader is at as the agent wrote it, cut short, or what kind of value it is.</summary>
    private static string Shown(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => UnreadableJson.Quote(reader.GetString()!),
        _ => ShortText.Cut(Encoding.UTF8.GetString(reader.ValueSpan), MaxMemberLength),
    };

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

    /// <summary>
    /// The string or integer <c>id</c>, the <c>method</c> and, of a <c>tools/call</c>, the tool's <c>name</c> of a
    /// top-level object, found by skipping every other value; each default or null when there is none.
    /// </summary>
    public static (RequestId Id, string? Method, string? Tool) TopLevel(ReadOnlySequence<byte> json, bool complete)
    {
        (RequestId Id, string? Method, string? Tool) found = default;
        var reader = new Utf8JsonReader(json, complete, new JsonReaderState(new JsonReaderOptions { MaxDepth = int.MaxValue }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return found;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var (isId, isMethod, isParams) = (reader.ValueTextEquals("id"u8), reader.ValueTextEquals("method"u8), reader.ValueTextEquals("params"u8));
                if (!reader.Read())
                {
                    return found;
                }

                if (isId)
                {
                    found.Id = reader.TokenType switch
                    {
                        JsonTokenType.String => new RequestId(reader.GetString()!),
                        JsonTokenType.Number when reader.TryGetInt64(out var number) => new RequestId(number),
                        _ => default,
                    };
                }
                else if (isMethod && reader.TokenType == JsonTokenType.String)
                {
                    found.Method = reader.GetString();
                }
                else if (isParams && reader.TokenType == JsonTokenType.StartObject)
                {
                    found.Tool = NameIn(ref reader);
                    continue;
                }

                // Of a cut line, the id may come after a value that was cut: then there is none to give.
                if (!reader.TrySkip())
                {
                    return found;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // These are looked for only to end the client's request and name it in the audit; a line too broken to
            // find them in has none.
        }

        return found;
    }

    /// <summary>The string <c>name</c> among the properties of the object the reader is at, read to its end.</summary>
    private static string? NameIn(ref Utf8JsonReader reader)
    {
        string? name = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isName = reader.ValueTextEquals("name"u8);
            if (!reader.Read())
            {
                break;
            }

            if (isName && reader.TokenType == JsonTokenType.String)
            {
                name = reader.GetString();
            }
            else if (!reader.TrySkip())
            {
                break;
            }
        }

        return name;
    }

    /// <summary>The reason the SDK gave ("Missing jsonrpc version"), without the path the serializer adds, cut short.</summary>
    private static string Detail(Exception problem)
    {
        var detail = problem.Message;
        var path = detail.IndexOf(" Path: ", StringComparison.Ordinal);
        detail = (path >= 0 ? detail[..path] : detail).Trim().TrimEnd('.');
        return ShortText.Cut(detail, MaxDetailLength);
    }
}
