using System.Text.Json;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>
/// Reads JSON into <see cref="SourceNode"/>s with positions. Comments and trailing commas are accepted because
/// people edit this file by hand; duplicate keys are reported because the second one would silently win, with the
/// object they are in named as the policy's other errors name it (<c>agents.bot.tools: duplicate key "X"</c>).
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

        var root = ReadValue(ref reader, problems, []);
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the end of the policy object", null, 0, 0);
        }

        return root;
    }

    /// <summary>Whether the text holds only blanks and comments: an emptied file, as a failed deploy or an editor leaves it.</summary>
    public static bool HoldsNoValue(ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        while (i < utf8.Length)
        {
            if (utf8[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
            }
            else if (utf8[i..] is [(byte)'/', (byte)'/', ..])
            {
                var end = utf8[i..].IndexOf((byte)'\n');
                i = end < 0 ? utf8.Length : i + end + 1;
            }
            else if (utf8[i..] is [(byte)'/', (byte)'*', ..])
            {
                var end = utf8[(i + 2)..].IndexOf("*/"u8);
                if (end < 0)
                {
                    return false;
                }

                i += end + 4;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <param name="path">The keys and indexes down to this value, to name where a duplicate key is.</param>
    private static SourceNode ReadValue(ref Utf8JsonReader reader, List<(int Offset, string Message)> problems, List<object> path)
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
                    path.Add(name);
                    var value = ReadValue(ref reader, problems, path);
                    path.RemoveAt(path.Count - 1);
                    if (obj.Properties.Exists(p => p.Name == name))
                    {
                        problems.Add((nameOffset, path.Count == 0 ? $"duplicate key \"{name}\"" : $"{Where(path)}: duplicate key \"{name}\""));
                        continue;
                    }

                    obj.Properties.Add(new SourceProperty(name, nameOffset, value));
                }

                return obj;
            case JsonTokenType.StartArray:
                var array = new SourceNode(JsonValueKind.Array, offset);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    path.Add(array.Items.Count);
                    array.Items.Add(ReadValue(ref reader, problems, path));
                    path.RemoveAt(path.Count - 1);
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

    /// <summary>
    /// A path (keys and array indexes) as the policy's errors spell it: <c>agents.bot.tools</c>,
    /// <c>tools["Binance*"].when[0]</c>. Keys of <c>tools</c> and <c>classify</c> are tool names or globs, so they are
    /// quoted in brackets.
    /// </summary>
    private static string Where(List<object> path)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < path.Count; i++)
        {
            var toolKey = (i == 1 && path[0] is "tools" or "classify") || (i == 3 && path[0] is "agents" && path[2] is "tools");
            _ = path[i] switch
            {
                int index => text.Append('[').Append(index).Append(']'),
                string key when toolKey => text.Append("[\"").Append(key).Append("\"]"),
                var key => text.Append(i == 0 ? "" : ".").Append(key),
            };
        }

        return text.ToString();
    }
}
