using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>A JSON-RPC message as the stdio transport carries it, both ways: one line of JSON.</summary>
internal static class JsonRpcLine
{
    public static readonly JsonTypeInfo<JsonRpcMessage> MessageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    /// <summary>The message's JSON followed by a newline, ready to be written whole.</summary>
    public static ReadOnlyMemory<byte> Encode(JsonRpcMessage message)
    {
        var line = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(line))
        {
            JsonSerializer.Serialize(writer, message, MessageType);
        }

        line.Write("\n"u8);
        return line.WrittenMemory;
    }
}
