using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Risk;
using ApprovalGateway.Upstreams;

namespace ApprovalGateway.Tests.Upstreams;

public sealed class ToolArgumentCheckTests
{
    // The shape servers built on zod-to-json-schema serve: draft-07, closed to undeclared parameters.
    private const string CancelOrder = """
        { "$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
          "properties": {
            "symbol": { "type": "string" },
            "orderId": { "type": "integer" },
            "side": { "type": "string", "enum": ["BUY", "SELL"] },
            "filters": { "type": "object", "properties": { "limit": { "type": "integer", "minimum": 1 } } } },
          "required": ["symbol", "orderId"],
          "additionalProperties": false }
        """;

    [Fact]
    public void Problems_IsEmpty_WhenTheArgumentsMatchTheSchema()
    {
        var problems = Check(CancelOrder, new JsonObject { ["symbol"] = "BTCUSDT", ["orderId"] = 42, ["side"] = "SELL" });

        Assert.Empty(problems);
    }

    [Fact]
    public void Problems_NameEachArgumentThatDoesNotMatch_WithoutQuotingItsValue()
    {
        var problems = Check(CancelOrder, new JsonObject
        {
            ["orderId"] = "forty-two",
            ["side"] = "HOLD",
            ["filters"] = new JsonObject { ["limit"] = 0 },
            ["dryRun"] = true,
        });

        string[] expected =
        [
            """arguments: Required properties ["symbol"] are not present""",
            "orderId: Value is \"string\" but should be \"integer\"",
            "side: Value should match one of the values specified by the enum",
            "filters.limit: Value should be at least 1",
            "dryRun: the tool declares no such parameter",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), problems.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(problems, p => p.Contains("forty-two", StringComparison.Ordinal) || p.Contains("HOLD", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_DoNotQuoteAValue_WhenTheSchemasOwnMessageWould()
    {
        var schema = """{ "type": "object", "properties": { "pin": { "type": "integer", "maximum": 9999 }, "code": { "type": "integer", "minimum": 100000 } } }""";

        var problems = Check(schema, new JsonObject { ["pin"] = 48213, ["code"] = 4821 });

        Assert.Equal(["code: Value should be at least 100000", "pin: Value should be at most 9999"], problems.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Problems_NameAParameterTheToolDoesNotDeclare_EvenWhenItsSchemaLeavesExtrasOpen()
    {
        // The shape the C# SDK and most servers serve: no additionalProperties, so the schema itself allows extras.
        const string Withdraw = """{ "type": "object", "properties": { "coin": { "type": "string" }, "amount": { "type": "number" } }, "required": ["coin"] }""";

        var problems = Check(Withdraw, new JsonObject { ["coin"] = "BTC", ["amount"] = 1, ["apiKey"] = "k", ["memo"] = "m" });

        Assert.Equal(["apiKey: the tool declares no such parameter", "memo: the tool declares no such parameter"], problems);
    }

    [Theory]
    [InlineData("""{ "type": "object", "properties": { "coin": { "type": "string" } }, "additionalProperties": true }""")]
    [InlineData("""{ "type": "object", "properties": { "coin": { "type": "string" } }, "additionalProperties": { "type": "string" } }""")]
    [InlineData("""{ "type": "object", "properties": { "coin": { "type": "string" } }, "patternProperties": { "^x-": {} } }""")]
    public void Problems_LeaveExtraParametersAlone_WhenTheSchemaTakesThemOnPurpose(string schema)
    {
        Assert.Empty(Check(schema, new JsonObject { ["coin"] = "BTC", ["x-note"] = "n" }));
    }

    [Fact]
    public void Problems_StopAtAFew_AndSayHowManyMore()
    {
        var arguments = new JsonObject { ["symbol"] = "BTCUSDT", ["orderId"] = 1 };
        for (var i = 0; i < 10; i++)
        {
            arguments[$"extra{i}"] = i;
        }

        var problems = Check(CancelOrder, arguments);

        Assert.Equal(ToolArgumentCheck.MaxProblems, problems.Count);
        Assert.Equal($"and {10 - ToolArgumentCheck.MaxProblems + 1} more", problems[^1]);
    }

    [Fact]
    public void Problems_ShowHiddenCharactersInAnArgumentName_AsEscapes()
    {
        var problems = Check(CancelOrder, new JsonObject { ["symbol"] = "BTCUSDT", ["orderId"] = 1, ["side\u202e"] = "BUY" });

        Assert.Equal(["side\\u202E: the tool declares no such parameter"], problems);
    }

    [Theory]
    [InlineData("""{ "$schema": "https://example.com/own-dialect", "type": "object", "required": ["x"] }""")]
    [InlineData("""{ "type": "object", "properties": { "x": { "$ref": "https://example.com/remote.json" } }, "required": ["y"] }""")]
    [InlineData("""{ "type": "object", "properties": { "x": { "type": "strung" } }, "required": ["y"] }""")]
    public void Problems_IsEmpty_WhenTheSchemaCannotBeRead(string schema)
    {
        Assert.Empty(Check(schema, new JsonObject { ["x"] = 1 }));
    }

    [Fact]
    public void Problems_IsEmpty_WhenTheToolHasNoInputSchema()
    {
        var tool = new UpstreamTool("t", "u", "t", new JsonObject { ["name"] = "t" }, new ToolRisk(ToolCategory.Write, RiskClass.Medium, "x"));

        Assert.Empty(ToolArgumentCheck.Problems(tool, new JsonObject { ["x"] = 1 }));
    }

    private static IReadOnlyList<string> Check(string schema, JsonObject arguments)
    {
        var definition = new JsonObject { ["name"] = "cancel_order", ["inputSchema"] = JsonNode.Parse(schema) };
        var tool = new UpstreamTool("cancel_order", "exchange", "cancel_order", definition, new ToolRisk(ToolCategory.Destructive, RiskClass.High, "x"));
        return ToolArgumentCheck.Problems(tool, arguments);
    }
}
