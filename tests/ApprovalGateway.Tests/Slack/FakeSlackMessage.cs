using System.Text.Json.Nodes;

namespace ApprovalGateway.Tests.Slack;

/// <summary>A message as it currently stands in the fake Slack (after any chat.update).</summary>
public sealed record FakeSlackMessage(string Channel, string Ts, string Text, JsonArray Blocks, int Updates)
{
    /// <summary>The message metadata it was posted with (<c>event_type</c>, <c>event_payload</c>), if any.</summary>
    public JsonObject? Metadata { get; init; }

    /// <summary>All the text a person would read: fallback text plus every mrkdwn/plain_text string in the blocks.</summary>
    public string AllText => Text + "\n" + string.Join("\n", Texts(Blocks));

    /// <summary>
    /// The text Slack shows as code, where nothing is formatted: rich text's preformatted elements and the inside of
    /// <c>```</c> fences in mrkdwn (Slack pairs fences in order, as modelled here).
    /// </summary>
    public string CodeText => string.Join("\n", Pieces(Blocks).Where(p => p.IsCode).Select(p => p.Text));

    /// <summary>Everything else: what Slack renders as formatting (bold, links, mentions, emoji) or plain text.</summary>
    public string TextOutsideCode => string.Join("\n", Pieces(Blocks).Where(p => !p.IsCode).Select(p => p.Text));

    public IEnumerable<JsonObject> Buttons =>
        Blocks.OfType<JsonObject>()
            .Where(b => (string?)b["type"] == "actions")
            .SelectMany(b => b["elements"]!.AsArray().OfType<JsonObject>());

    private static IEnumerable<(string Text, bool IsCode)> Pieces(JsonNode? node) => node switch
    {
        JsonObject o when (string?)o["type"] == "rich_text_preformatted" => Texts(o).Select(t => (t, true)),
        JsonObject o when (string?)o["type"] == "mrkdwn" && o["text"] is JsonValue v && v.TryGetValue<string>(out var s) =>
            s.Split("```").Select((part, i) => (part, i % 2 == 1)),
        JsonObject o when o["text"] is JsonValue v && v.TryGetValue<string>(out var s) =>
            [(s, false), .. o.Where(p => p.Key != "text").SelectMany(p => Pieces(p.Value))],
        JsonObject o => o.SelectMany(p => Pieces(p.Value)),
        JsonArray a => a.SelectMany(Pieces),
        _ => [],
    };

    private static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o when o["text"] is JsonValue v && v.TryGetValue<string>(out var s) => [s, .. o.Where(p => p.Key != "text").SelectMany(p => Texts(p.Value))],
        JsonObject o => o.SelectMany(p => Texts(p.Value)),
        JsonArray a => a.SelectMany(Texts),
        _ => [],
    };
}
