using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Policy.Tests;

public sealed class UnreadableJsonTests
{
    private const string NotUnicode = "is not valid Unicode text (bytes that are not UTF-8, or an unpaired surrogate such as \\ud800)";

    [Theory]
    [InlineData("""{"quantity":0.001,"quantity":1}""", "duplicate key \"quantity\"")]
    [InlineData("""{"order":{"legs":[{"side":"BUY"},{"side":"BUY","side":"SELL"}]}}""", "duplicate key \"side\" in order.legs[1]")]
    [InlineData("""{"order book":{"a\"b":1,"a\"b":2}}""", "duplicate key \"a\\\"b\" in [\"order book\"]")]
    [InlineData("""{"legs":[{"\udc00":1}]}""", "a key in legs[0] " + NotUnicode)]
    [InlineData("""{"q<FF>":1}""", "a key " + NotUnicode)]
    [InlineData("""{"note":"\ud800"}""", "the value of note " + NotUnicode)]
    [InlineData("""{"notes":["fine","a<FF>b"]}""", "the value of notes[1] " + NotUnicode)]
    public void Find_SaysWhatCannotBeReadAndWhere_InJsonAsItArrivesFromTheWire(string json, string expected)
    {
        Assert.Equal(expected, UnreadableJson.Find(FromWire(json)));
    }

    [Fact]
    public void Find_StillReportsARepeatedKey_WhenAnotherPartOfTheObjectCannotBeRead()
    {
        Assert.Equal("a key given twice", UnreadableJson.Find(FromWire("""{"a":1,"a":2,"b":"\ud800"}""")));
    }

    [Fact]
    public void Find_CutsALongKeyShort_InItsDescription()
    {
        var key = new string('k', 100);

        Assert.Equal($"duplicate key \"{key[..64]}…\"", UnreadableJson.Find(FromWire($$"""{"{{key}}":1,"{{key}}":2}""")));
    }

    [Fact]
    public void Find_LeavesTheSkippedTopLevelPropertyToItsOwner()
    {
        Assert.Null(UnreadableJson.Find(FromWire("""{"name":"echo","arguments":{"a":1,"a":2}}"""), skipping: "arguments"));
        Assert.Equal(
            "duplicate key \"a\" in _meta",
            UnreadableJson.Find(FromWire("""{"name":"echo","arguments":{},"_meta":{"a":1,"a":2}}"""), skipping: "arguments"));
    }

    [Fact]
    public void Find_FindsNothingInReadableJson_WhichHashesAndMasksAsBefore()
    {
        var arguments = FromWire("""{"b":"caf\u00e9 \ud83d\ude00","apiKey":"sk-1","a":[1,{"x":null}]}""");

        Assert.Null(UnreadableJson.Find(arguments));
        Assert.Equal("""{"a":[1,{"x":null}],"apiKey":"sk-1","b":"caf\u00E9 \uD83D\uDE00"}""", CanonicalJson.Serialize(arguments));
        Assert.Equal("***", SecretMasker.MaskCopy(arguments)!["apiKey"]!.GetValue<string>());
    }

    /// <summary>
    /// A node as the MCP SDK hands it over: parsed from bytes, its keys and strings decoded only when used. Each
    /// <c>&lt;FF&gt;</c> becomes the byte 0xFF, which UTF-8 never uses.
    /// </summary>
    private static JsonObject FromWire(string json) =>
        JsonNode.Parse([.. json.Split("<FF>").SelectMany((part, i) => i == 0 ? Encoding.UTF8.GetBytes(part) : [0xFF, .. Encoding.UTF8.GetBytes(part)])])!.AsObject();
}
