using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Upstreams;

/// <summary>
/// Tool definitions and listings are parsed once and read by every agent session at once. A node parsed from JSON
/// builds its members on first read, and that first build races when several threads make it (each builds members of
/// its own, which its parent may not hold); so they are built whole before they are shared.
/// </summary>
public sealed class SharedJsonTests
{
    private const string Definition = """
        {
          "name": "place_order",
          "inputSchema": {
            "type": "object",
            "properties": { "legs": { "type": "array", "items": { "type": "object", "properties": { "qty": { "type": "number" } } } } },
            "required": ["legs"],
            "oneOf": [{ "required": ["legs"] }, { "properties": { "dry": { "const": true } } }]
          },
          "annotations": { "destructiveHint": true },
          "execution": { "taskSupport": "optional" }
        }
        """;

    [Fact]
    public void Materialize_BuildsEveryObjectAndArray_SoNoneReadsTheParsedTextAgain()
    {
        var document = JsonDocument.Parse(Definition);
        var node = JsonObject.Create(document.RootElement)!;

        SharedJson.Materialize(node);
        // Members still to be built would read the document, and throw once it is gone.
        document.Dispose();
        var shape = Shape(node);

        Assert.Equal(
            "{name,inputSchema:{type,properties:{legs:{type,items:{type,properties:{qty:{type}}}}},required:[_],oneOf:[{required:[_]},{properties:{dry:{const}}}]}," +
            "annotations:{destructiveHint},execution:{taskSupport}}",
            shape);
    }

    [Fact]
    public void MaterializedNode_ReadFromManyThreadsAtOnce_GivesEveryThreadTheSameMembers()
    {
        const int Readers = 8;
        for (var round = 0; round < 100; round++)
        {
            var node = SharedJson.Materialize(JsonNode.Parse(Definition)!.AsObject());
            var seen = new List<JsonNode>[Readers];
            var texts = new string[Readers];
            using var start = new Barrier(Readers);
            var threads = Enumerable.Range(0, Readers).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                seen[i] = Members(node);
                texts[i] = node.ToJsonString();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.All(seen, members => Assert.Equal(seen[0], members, ReferenceEqualityComparer.Instance));
            Assert.All(texts, text => Assert.Equal(texts[0], text));
            Assert.All(seen[0], member => Assert.Contains(member, Children(member.Parent!), ReferenceEqualityComparer.Instance));
        }
    }

    /// <summary>
    /// What the catalogue lists is read by every agent session's calls (the input schema checked for an approver, the
    /// output schema, task support) and listings; before, its nested members were built by whichever read came first.
    /// </summary>
    [Fact]
    public async Task CatalogueToolDefinitions_ReadFromManyThreadsAtOnce_GiveEveryThreadTheSameMembers()
    {
        await using var gateway = await GatewayHost.StartAsync(TestUpstreams.DemoStdio());
        var tools = gateway.Services.GetRequiredService<ToolCatalog>().Tools;

        Assert.NotEmpty(tools);
        foreach (var tool in tools)
        {
            var seen = ReadAtOnce(tool.Definition);
            Assert.All(seen, members => Assert.Equal(seen[0], members, ReferenceEqualityComparer.Instance));
        }
    }

    /// <summary>Every member of <paramref name="node"/>, as each of several threads started together finds them.</summary>
    private static List<JsonNode>[] ReadAtOnce(JsonNode node)
    {
        const int Readers = 8;
        var seen = new List<JsonNode>[Readers];
        using var start = new Barrier(Readers);
        var threads = Enumerable.Range(0, Readers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            seen[i] = Members(node);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return seen;
    }

    /// <summary>Every key and array slot, and no value: a value would read the document itself.</summary>
    private static string Shape(JsonNode? node) => node switch
    {
        JsonObject obj => "{" + string.Join(",", obj.Select(p => p.Value is JsonObject or JsonArray ? $"{p.Key}:{Shape(p.Value)}" : p.Key)) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(item => item is JsonObject or JsonArray ? Shape(item) : "_")) + "]",
        _ => "_",
    };

    private static List<JsonNode> Members(JsonNode node)
    {
        var found = new List<JsonNode>();
        foreach (var child in Children(node))
        {
            found.Add(child);
            found.AddRange(Members(child));
        }

        return found;
    }

    private static IEnumerable<JsonNode> Children(JsonNode node) => node switch
    {
        JsonObject obj => obj.Select(p => p.Value).OfType<JsonNode>(),
        JsonArray array => array.OfType<JsonNode>(),
        _ => [],
    };
}
