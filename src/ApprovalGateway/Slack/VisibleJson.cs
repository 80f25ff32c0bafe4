using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Text;

namespace ApprovalGateway.Slack;

/// <summary>
/// Indented JSON for a person to check: every key and string is a JSON literal with hidden characters written as
/// <c>\u</c> escapes, so the text shows exactly what the upstream gets, and no value can leave its quotes.
/// Strings longer than a limit are cut and followed by their full length, so that one long value cannot push the
/// others out of sight.
/// </summary>
internal static class VisibleJson
{
    /// <summary>Writes <paramref name="node"/>; false when the text would exceed <paramref name="budget"/> characters.</summary>
    public static bool TryWrite(JsonNode node, int budget, int longestString, out string text, out bool shortened)
    {
        var writer = new Writer(budget, longestString);
        var fits = writer.Write(node, depth: 0);
        text = fits ? writer.Text.ToString() : "";
        shortened = writer.Shortened;
        return fits;
    }

    private sealed class Writer(int budget, int longestString)
    {
        public StringBuilder Text { get; } = new();

        public bool Shortened { get; private set; }

        public bool Write(JsonNode? node, int depth)
        {
            switch (node)
            {
                case JsonObject obj when obj.Count == 0:
                    Text.Append("{}");
                    break;
                case JsonObject obj:
                    Text.Append("{\n");
                    var index = 0;
                    foreach (var (key, value) in obj)
                    {
                        Indent(depth + 1);
                        AppendLiteral(key);
                        Text.Append(": ");
                        if (!Write(value, depth + 1))
                        {
                            return false;
                        }

                        Text.Append(++index < obj.Count ? ",\n" : "\n");
                    }

                    Indent(depth);
                    Text.Append('}');
                    break;
                case JsonArray array when array.Count == 0:
                    Text.Append("[]");
                    break;
                case JsonArray array:
                    Text.Append("[\n");
                    for (var i = 0; i < array.Count; i++)
                    {
                        Indent(depth + 1);
                        if (!Write(array[i], depth + 1))
                        {
                            return false;
                        }

                        Text.Append(i < array.Count - 1 ? ",\n" : "\n");
                    }

                    Indent(depth);
                    Text.Append(']');
                    break;
                case JsonValue value when value.TryGetValue<string>(out var text):
                    WriteString(text);
                    break;
                case null:
                    Text.Append("null");
                    break;
                default:
                    Text.Append(node.ToJsonString());
                    break;
            }

            return Text.Length <= budget;
        }

        private void WriteString(string value)
        {
            if (value.Length <= longestString)
            {
                AppendLiteral(value);
                return;
            }

            AppendLiteral(value[..ShortText.KeptLength(value, longestString)]);
            Text.Append(CultureInfo.InvariantCulture, $"{ShortText.Ellipsis} ({value.Length} characters, see the page)");
            Shortened = true;
        }

        private void Indent(int depth) => Text.Append(' ', depth * 2);

        private void AppendLiteral(string value)
        {
            Text.Append('"');
            InvisibleCharacters.AppendEscaped(Text, value, json: true);
            Text.Append('"');
        }
    }
}
