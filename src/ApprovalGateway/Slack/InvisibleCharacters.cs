using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ApprovalGateway.Slack;

/// <summary>
/// Characters that change how a value looks without showing themselves: controls, format characters (zero widths,
/// bidi overrides and isolates, the byte order mark, tag characters), line and paragraph separators, lone surrogates,
/// and characters that draw nothing (variation selectors, fillers).
/// An approver sees each as a <c>\u</c> escape. The live page (wwwroot/js/app.js) applies the same rule.
/// </summary>
internal static class InvisibleCharacters
{
    /// <summary>Tab, line feed and carriage return are controls too, but JSON writes them as visible escapes anyway.</summary>
    public static bool IsHidden(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            || DrawsNothing(rune.Value));

    /// <summary>
    /// Unicode's default-ignorable characters that are not format characters (variation selectors, Hangul fillers,
    /// the combining grapheme joiner) and the blank braille pattern: a value can carry a whole hidden message in
    /// them ("emoji smuggling", a byte per variation selector). U+FE0E and U+FE0F are left out: they follow most emoji
    /// in ordinary text, and a message hidden in selectors needs the others too.
    /// </summary>
    private static bool DrawsNothing(int c) => c is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5 or (>= 0x180B and <= 0x180F)
        or 0x2800 or 0x3164 or (>= 0xFE00 and <= 0xFE0D) or 0xFFA0 or (>= 0xFFF0 and <= 0xFFF8) or (>= 0xE0000 and <= 0xE0FFF);

    /// <summary>The hidden code points in every key and string of <paramref name="node"/>, in order of value.</summary>
    public static IReadOnlyList<int> In(JsonNode? node)
    {
        var found = new SortedSet<int>();
        Collect(node, found);
        return [.. found];
    }

    /// <summary><paramref name="text"/> with every hidden character written as its <c>\u</c> escape, for prompts in plain text.</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        AppendEscaped(escaped, text, json: false);
        return escaped.ToString();
    }

    /// <summary>
    /// Appends <paramref name="text"/> with every hidden character (and lone surrogate) as its <c>\u</c> escape, a
    /// character beyond the BMP as its surrogate pair like JSON.stringify; with <paramref name="json"/>, also the
    /// escapes a JSON string needs, so the result goes between quotes as it is.
    /// </summary>
    public static void AppendEscaped(StringBuilder into, string text, bool json)
    {
        for (var i = 0; i < text.Length;)
        {
            var whole = Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) == OperationStatus.Done;
            used = Math.Max(used, 1);
            switch (json && whole ? rune.Value : -1)
            {
                case '"': into.Append("\\\""); break;
                case '\\': into.Append("\\\\"); break;
                case '\n': into.Append("\\n"); break;
                case '\r': into.Append("\\r"); break;
                case '\t': into.Append("\\t"); break;
                default:
                    if (!whole || IsHidden(rune))
                    {
                        foreach (var unit in text.AsSpan(i, used))
                        {
                            into.Append(CultureInfo.InvariantCulture, $"\\u{(int)unit:X4}");
                        }
                    }
                    else
                    {
                        into.Append(text, i, used);
                    }

                    break;
            }

            i += used;
        }
    }

    /// <summary>"U+202E", the way Unicode names a code point.</summary>
    public static string Name(int codePoint) => $"U+{codePoint:X4}";

    private static void Collect(JsonNode? node, SortedSet<int> found)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    CollectText(key, found);
                    Collect(value, found);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, found);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                CollectText(text, found);
                break;
        }
    }

    private static void CollectText(string text, SortedSet<int> found)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                found.Add(text[i]);
                i++;
                continue;
            }

            if (IsHidden(rune))
            {
                found.Add(rune.Value);
            }

            i += used;
        }
    }
}
