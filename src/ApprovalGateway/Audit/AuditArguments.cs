using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Text;

namespace ApprovalGateway.Audit;

/// <summary>
/// How much of a call's arguments its record keeps. An agent may send megabytes of arguments with every call, even
/// to a tool it is denied, and each record is written to disk and held in the recent-records ring: kept whole, a
/// loop of such calls would fill the disk (which then refuses every call) and the gateway's memory. Past
/// <see cref="MaxBytes"/> long strings are cut, and if that is not enough the arguments are replaced by a note;
/// <c>arguments_sha256</c> still covers them whole.
/// </summary>
internal static class AuditArguments
{
    /// <summary>About this many bytes of arguments per record; real tool calls stay far below it.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>How much of a string is kept when the arguments are too large.</summary>
    public const int KeptStringLength = 1024;

    /// <summary>The arguments to record: <paramref name="arguments"/> itself when it fits, a smaller copy when not.</summary>
    public static JsonObject? Kept(JsonObject? arguments)
    {
        if (arguments is null || Size(arguments) <= MaxBytes)
        {
            return arguments;
        }

        var cut = (JsonObject)Cut(arguments)!;
        var size = Size(cut);
        return size <= MaxBytes
            ? cut
            : new JsonObject
            {
                ["not_kept"] = $"about {Size(arguments)} bytes of arguments, over the {MaxBytes} an audit record keeps even with "
                    + $"strings cut to {KeptStringLength} characters; arguments_sha256 covers them",
            };
    }

    /// <summary>About the size of the node's JSON, without writing it: what counts is strings (keys too) and counts.</summary>
    private static long Size(JsonNode? node) => node switch
    {
        JsonObject o => 2 + o.Sum(p => p.Key.Length + 4 + Size(p.Value)),
        JsonArray a => 2 + a.Sum(v => 1 + Size(v)),
        JsonValue v when v.TryGetValue<string>(out var text) => text.Length + 2,
        null => 4,
        _ => 16,
    };

    private static JsonNode? Cut(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Cut(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Cut)]),
        JsonValue v when v.TryGetValue<string>(out var text) && text.Length > KeptStringLength => ShortString(text),
        _ => node?.DeepClone(),
    };

    private static JsonValue ShortString(string text)
    {
        var kept = ShortText.KeptLength(text, KeptStringLength);
        return JsonValue.Create($"{text[..kept]}{ShortText.Ellipsis} [{text.Length - kept} more characters not kept]");
    }
}
