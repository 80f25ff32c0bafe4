using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Text;

namespace ApprovalGateway.Policy.Arguments;

/// <summary>
/// Finds what in JSON an agent sent the gateway cannot read, and says it in words: a key given twice, or a key or
/// string that is not valid Unicode (bytes that are not UTF-8, an unpaired surrogate escape such as <c>\ud800</c>).
/// </summary>
/// <remarks>
/// The JSON parser accepts all of these and defers them: a node read from the wire decodes its keys and strings
/// only when first used, and then throws. Checking once where the JSON enters lets hashing
/// (<see cref="CanonicalJson"/>), masking (<see cref="SecretMasker"/>), policy conditions and the audit trust it.
/// </remarks>
public static class UnreadableJson
{
    private const int MaxKeyLength = 64;

    private const string NotUnicode = "is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)";

    /// <summary>
    /// What cannot be read in <paramref name="node"/>, such as <c>duplicate key "quantity" in order.legs[0]</c>,
    /// or null when all of it can. A top-level property named <paramref name="skipping"/> is left unchecked.
    /// </summary>
    public static string? Find(JsonNode? node, string? skipping = null) => Visit(node, skipping)?.Describe();

    private static Problem? Visit(JsonNode? node, string? skipping = null)
    {
        switch (node)
        {
            case JsonObject obj:
                if (Keys(obj) is { } unreadable)
                {
                    return unreadable;
                }

                foreach (var (key, value) in obj)
                {
                    if (key != skipping && Visit(value) is { } problem)
                    {
                        return problem.Under(Segment(key));
                    }
                }

                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Visit(array[i]) is { } problem)
                    {
                        return problem.Under($"[{i}]");
                    }
                }

                return null;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                try
                {
                    _ = value.GetValue<string>();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return new Problem(path => $"{(path.Length == 0 ? "a string" : $"the value of {path}")} {NotUnicode}");
                }

            default:
                return null;
        }
    }

    /// <summary>Reads every key of <paramref name="obj"/>, which is the moment a node from the wire decodes them.</summary>
    private static Problem? Keys(JsonObject obj)
    {
        try
        {
            _ = obj.Count;
            return null;
        }
        catch (ArgumentException)
        {
            var key = RepeatedKey(obj);
            return new Problem(path => (key is null ? "a key given twice" : $"duplicate key {Quote(key)}") + In(path));
        }
        catch (InvalidOperationException)
        {
            return new Problem(path => $"a key{In(path)} {NotUnicode}");
        }
    }

    /// <summary>
    /// The first key <paramref name="obj"/> repeats. An object that failed to read its keys still writes them as they
    /// arrived, repeats included; null when even that fails (another part of it cannot be read either).
    /// </summary>
    private static string? RepeatedKey(JsonObject obj)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                obj.WriteTo(writer);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!seen.Add(reader.GetString()!))
            {
                return reader.GetString();
            }

            reader.Read();
            reader.Skip();
        }

        return null;
    }

    private static string In(string path) => path.Length == 0 ? "" : $" in {path}";

    private static string Segment(string key) =>
        key.Length > 0 && key.Length <= MaxKeyLength && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$')
            ? key
            : $"[{Quote(key)}]";

    /// <summary>
    /// The agent's text (a key, a method name) as a JSON string, cut short: it goes into an error, a log line and the
    /// audit, where a trailing space or a control character must show.
    /// </summary>
    public static string Quote(string key) =>
        $"\"{JsonEncodedText.Encode(ShortText.Cut(key, MaxKeyLength), JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";

    /// <summary>A problem found deep in the JSON; the path to it is collected on the way back up.</summary>
    private sealed class Problem(Func<string, string> describe)
    {
        private readonly Stack<string> _path = new();

        public Problem Under(string segment)
        {
            _path.Push(segment);
            return this;
        }

        public string Describe() =>
            describe(string.Concat(_path.Select((segment, i) => i == 0 || segment[0] == '[' ? segment : "." + segment)));
    }
}
