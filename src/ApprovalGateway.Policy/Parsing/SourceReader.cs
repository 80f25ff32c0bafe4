using System.Text.Json;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>
/// Reads JSON into <see cref="SourceNode"/>s with positions. Comments and trailing commas are accepted because
/// people edit this file by hand; duplicate keys are reported because the second one would silently win.
/// </summary>
internal static class SourceReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    public static SourceNode Read(ReadOnlySpan<byte> utf8, List<(int Offset, string Message)> problems)
    {
        var reader = new Utf8JsonReader(utf8, Options);
        if (!reader.Read())
        {
            throw new JsonException("the file is empty", null, 0, 0);
        }

        var root = ReadValue(ref reader, problems);
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the end of the policy object", null, 0, 0);
        }

        return root;
    }

    private static SourceNode ReadValue(ref Utf8JsonReader reader, List<(int Offset, string Message)> problems)
    {
        var offset = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var obj = new SourceNode(JsonValueKind.Object, offset);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var nameOffset = (int)reader.TokenStartIndex;
                    var name = reader.GetString()!;
                    reader.Read();
                    var value = ReadValue(ref reader, problems);
                    if (obj.Properties.Exists(p => p.Name == name))
                    {
                        problems.Add((nameOffset, $"duplicate key \"{name}\""));
                        continue;
                    }

                    obj.Properties.Add(new SourceProperty(name, nameOffset, value));
                }

                return obj;
            case JsonTokenType.StartArray:
                var array = new SourceNode(JsonValueKind.Array, offset);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    array.Items.Add(ReadValue(ref reader, problems));
                }

                return array;
            case JsonTokenType.String:
                return new SourceNode(JsonValueKind.String, offset) { Text = reader.GetString() };
            case JsonTokenType.Number:
                return new SourceNode(JsonValueKind.Number, offset) { Number = reader.GetDouble() };
            case JsonTokenType.True:
                return new SourceNode(JsonValueKind.True, offset);
            case JsonTokenType.False:
                return new SourceNode(JsonValueKind.False, offset);
            default:
                return new SourceNode(JsonValueKind.Null, offset);
        }
    }
}
