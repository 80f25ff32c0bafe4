using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// With an allow-everything policy an agent must not be able to tell the gateway from the upstream:
/// the same requests, sent directly and through the gateway, give the same JSON.
/// </summary>
public sealed partial class TransparencyTests
{
    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Relay_AnswersExactlyAsTheUpstream_ForToolsResourcesPromptsAndCompletions(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var viaGateway = await everything.ConnectAsync();
        await using var direct = await everything.ConnectDirectAsync();

        await AssertSameAsync(direct, viaGateway, RequestMethods.ToolsList, null);
        foreach (var (tool, args) in new (string, JsonObject)[]
        {
            ("echo", new() { ["message"] = "hello through the gateway" }),
            ("get-sum", new() { ["a"] = 2, ["b"] = 40 }),
            ("get-structured-content", new() { ["location"] = "New York" }),
            ("get-annotated-message", new() { ["messageType"] = "error", ["includeImage"] = true }),
            ("get-tiny-image", new()),
            ("get-resource-links", new() { ["count"] = 2 }),
            ("get-resource-reference", new() { ["resourceType"] = "Text", ["resourceId"] = 1 }),
            ("get-sum", new() { ["a"] = "not a number" }),
        })
        {
            await AssertSameAsync(direct, viaGateway, RequestMethods.ToolsCall, new JsonObject { ["name"] = tool, ["arguments"] = args });
        }

        var resources = await AssertSameAsync(direct, viaGateway, RequestMethods.ResourcesList, null);
        var firstUri = resources!["resources"]![0]!["uri"]!.GetValue<string>();
        await AssertSameAsync(direct, viaGateway, RequestMethods.ResourcesRead, new JsonObject { ["uri"] = firstUri });
        await AssertSameAsync(direct, viaGateway, RequestMethods.ResourcesTemplatesList, null);
        await AssertSameAsync(direct, viaGateway, RequestMethods.PromptsList, null);
        await AssertSameAsync(direct, viaGateway, RequestMethods.PromptsGet, new JsonObject { ["name"] = "simple-prompt" });
        await AssertSameAsync(direct, viaGateway, RequestMethods.PromptsGet,
            new JsonObject { ["name"] = "args-prompt", ["arguments"] = new JsonObject { ["city"] = "Lisbon", ["state"] = "PT" } });
        await AssertSameAsync(direct, viaGateway, RequestMethods.CompletionComplete, new JsonObject
        {
            ["ref"] = new JsonObject { ["type"] = "ref/prompt", ["name"] = "completable-prompt" },
            ["argument"] = new JsonObject { ["name"] = "department", ["value"] = "E" },
        });
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Relay_PassesUpstreamErrorsThroughUnchanged(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        await using var viaGateway = await everything.ConnectAsync();
        await using var direct = await everything.ConnectDirectAsync();

        var expected = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() =>
            direct.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.PromptsGet, Params = new JsonObject { ["name"] = "no-such-prompt" } }));
        var actual = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() =>
            viaGateway.SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.PromptsGet, Params = new JsonObject { ["name"] = "no-such-prompt" } }));

        Assert.Equal(expected.ErrorCode, actual.ErrorCode);
        Assert.Equal(expected.Message, actual.Message);
    }

    [Theory]
    [InlineData(UpstreamTransport.Stdio)]
    [InlineData(UpstreamTransport.StreamableHttp)]
    public async Task Relay_PassesUpstreamErrorDataThrough_SoAUrlElicitationCanBeCarriedOut(UpstreamTransport transport)
    {
        await using var everything = await EverythingGateway.StartAsync(transport);
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Capabilities = new ClientCapabilities { Elicitation = new ElicitationCapability { Url = new UrlElicitationCapability() } },
        };
        await using var viaGateway = await everything.ConnectAsync(options);
        await using var direct = await everything.ConnectDirectAsync(options);
        JsonRpcRequest Call() => new()
        {
            Method = RequestMethods.ToolsCall,
            Params = new JsonObject
            {
                ["name"] = "trigger-url-elicitation",
                ["arguments"] = new JsonObject { ["url"] = "https://example.com/consent", ["errorPath"] = true },
            },
        };

        var expected = await Assert.ThrowsAsync<ModelContextProtocol.UrlElicitationRequiredException>(() => direct.SendRequestAsync(Call()));
        var actual = await Assert.ThrowsAsync<ModelContextProtocol.UrlElicitationRequiredException>(() => viaGateway.SendRequestAsync(Call()));

        Assert.Equal(expected.Message, actual.Message);
        var elicitation = Assert.Single(actual.Elicitations);
        Assert.Equal("url", elicitation.Mode);
        Assert.Equal(Assert.Single(expected.Elicitations).Url, elicitation.Url);
        Assert.False(string.IsNullOrEmpty(elicitation.ElicitationId));
    }

    private static async Task<JsonNode?> AssertSameAsync(McpClient direct, McpClient viaGateway, string method, JsonNode? parameters)
    {
        var expected = await direct.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters?.DeepClone() });
        var actual = await viaGateway.SendRequestAsync(new JsonRpcRequest { Method = method, Params = parameters?.DeepClone() });
        Assert.Equal(WithoutClockTimes(expected.Result?.ToJsonString()), WithoutClockTimes(actual.Result?.ToJsonString()));
        return actual.Result;
    }

    /// <summary>
    /// server-everything writes the time of day into some texts ("created at 9:46:57 AM"); the direct call and the
    /// gateway's can fall on different seconds, which says nothing about the relay.
    /// </summary>
    private static string? WithoutClockTimes(string? json) =>
        json is null ? null : ClockTime().Replace(json, "<time>");

    [GeneratedRegex(@"\d{1,2}:\d{2}:\d{2}(?:(?:\s|\\u[0-9A-Fa-f]{4})?(?:AM|PM))?")]
    private static partial Regex ClockTime();
}
