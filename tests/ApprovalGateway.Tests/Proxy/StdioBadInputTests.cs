using System.Text.Json.Nodes;
using ApprovalGateway.Tests.Infrastructure;

namespace ApprovalGateway.Tests.Proxy;

/// <summary>
/// Over <c>--stdio</c>, a line that is not a JSON-RPC message gets the JSON-RPC 2.0 error for it on stdout, the
/// session goes on with the next line, and nothing but JSON-RPC ever reaches stdout.
/// </summary>
public sealed class StdioBadInputTests
{
    [Fact]
    public async Task StdioGateway_AnswersEachUnreadableMessageWithItsJsonRpcError_AndServesTheNextLine()
    {
        using var gateway = await StdioGatewayProcess.StartAsync(GatewayHost.AllowAll);
        var junk = "this is not JSON " + new string('x', 900);

        // Before, each of these lines was dropped without a word: the client heard nothing, and one waiting for an
        // answer to the request with id 7 waited for ever.
        await gateway.SendAsync(junk);
        var notJson = await gateway.ReadAnswerAsync(null);
        await gateway.SendAsync("""{"foo":1}""");
        var notJsonRpc = await gateway.ReadAnswerAsync(null);
        await gateway.SendAsync("""{"jsonrpc":"2.0","id":7}""");
        var neitherRequestNorAnswer = await gateway.ReadAnswerAsync(7);
        await gateway.SendAsync("""[{"jsonrpc":"2.0","id":8,"method":"ping"}]""");
        var batch = await gateway.ReadAnswerAsync(null);
        await gateway.SendAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/list"}""");
        var tools = await gateway.ReadAnswerAsync(9);
        await gateway.CloseAsync();

        Assert.Equal(-32700, (int)notJson["error"]!["code"]!);
        Assert.StartsWith("Parse error: the line is not valid JSON (", (string?)notJson["error"]!["message"], StringComparison.Ordinal);
        Assert.DoesNotContain("xxxxxxxx", notJson.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(-32600, (int)notJsonRpc["error"]!["code"]!);
        Assert.Equal(
            "Invalid Request: the line is JSON but not a JSON-RPC 2.0 message (Missing jsonrpc version).",
            (string?)notJsonRpc["error"]!["message"]);
        Assert.Equal(-32600, (int)neitherRequestNorAnswer["error"]!["code"]!);
        Assert.Equal(-32600, (int)batch["error"]!["code"]!);
        Assert.Contains("not batches", (string?)batch["error"]!["message"], StringComparison.Ordinal);
        Assert.Contains(tools["result"]!["tools"]!.AsArray(), t => (string?)t!["name"] == "echo");
        Assert.All(gateway.OutputLines, line => Assert.Equal("2.0", (string?)JsonNode.Parse(line)!["jsonrpc"]));
        Assert.Equal(0, gateway.Process.ExitCode);

        // Each is in the audit log too, as the agent's, saying what the agent was told and never repeating the line.
        var refused = gateway.AuditRecords().Where(r => (string?)r["outcome"] == "invalid_request").ToList();
        Assert.Equal(4, refused.Count);
        Assert.All(refused, r => Assert.Equal(("stdio", "stdio", "invalid_request"), ((string?)r["agent"], (string?)r["session_id"], (string?)r["decision"])));
        Assert.StartsWith(
            "the request could not be read, so nothing was decided or forwarded: Parse error: the line is not valid JSON (",
            (string?)refused[0]["reason"], StringComparison.Ordinal);
        Assert.EndsWith("not batches.", (string?)refused[3]["reason"], StringComparison.Ordinal);
        Assert.DoesNotContain(refused, r => r.ToJsonString().Contains("xxxxxxxx", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StdioGateway_RefusesAMessageWithAMemberJsonRpcDoesNotDefine_AsOverHttp_AndAuditsIt()
    {
        using var gateway = await StdioGatewayProcess.StartAsync(GatewayHost.AllowAll);

        // Before, the line was read without its "trace" and the call ran, where over HTTP the same message is refused.
        await gateway.SendAsync("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}},"trace":{}}""");
        var refused = await gateway.ReadAnswerAsync(5);
        await gateway.SendAsync("""{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"echo","arguments":{"message":"after"}}}""");
        var after = await gateway.ReadAnswerAsync(6);
        await gateway.CloseAsync();

        Assert.Equal(
            (-32600, "Invalid Request: the line is JSON but not a JSON-RPC 2.0 message (it has a member \"trace\", which JSON-RPC does not define)."),
            ((int)refused["error"]!["code"]!, (string?)refused["error"]!["message"]));
        Assert.Contains("after", after["result"]!.ToJsonString(), StringComparison.Ordinal);
        var records = gateway.AuditRecords().Where(r => (string?)r["tool"] == "echo" && (string?)r["outcome"] != "forwarding").ToList();
        Assert.Equal(["invalid_request", "forwarded"], records.Select(r => (string?)r["outcome"]));
        Assert.Equal(
            "the request (tools/call) could not be read, so nothing was decided or forwarded: Invalid Request: the line is JSON but not a " +
            "JSON-RPC 2.0 message (it has a member \"trace\", which JSON-RPC does not define).",
            (string?)records[0]["reason"]);
    }

    [Fact]
    public async Task StdioGateway_SkipsALineOverItsLimit_AnsweringItsRequestWithInvalidRequest_AndServesTheNextLine()
    {
        using var gateway = await StdioGatewayProcess.StartAsync(GatewayHost.AllowAll, "--Gateway:MaxRequestBodyBytes=1024");
        var huge = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 3,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "echo", ["arguments"] = new JsonObject { ["message"] = new string('y', 200_000) } },
        }.ToJsonString();

        // Before, the line was read whole however long (one without a newline could fill the gateway's memory) and
        // the call went to the upstream.
        await gateway.SendAsync(huge);
        var tooLong = await gateway.ReadAnswerAsync(3);
        await gateway.SendAsync("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"after"}}}""");
        var after = await gateway.ReadAnswerAsync(4);
        await gateway.CloseAsync();

        Assert.Equal(-32600, (int)tooLong["error"]!["code"]!);
        Assert.Equal(
            "Invalid Request: the line is longer than the gateway's limit of 1024 bytes (Gateway:MaxRequestBodyBytes), so it was not read.",
            (string?)tooLong["error"]!["message"]);
        Assert.Contains("after", after["result"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.OutputLines, line => line.Contains("yyyyyyyy", StringComparison.Ordinal));
        Assert.All(gateway.OutputLines, line => Assert.Equal("2.0", (string?)JsonNode.Parse(line)!["jsonrpc"]));
        var refused = Assert.Single(gateway.AuditRecords(), r => (string?)r["outcome"] == "invalid_request");
        Assert.Equal("echo", (string?)refused["tool"]);
        Assert.Equal(
            "the request (tools/call) could not be read, so nothing was decided or forwarded: Invalid Request: the line is longer than the gateway's limit of 1024 bytes (Gateway:MaxRequestBodyBytes), so it was not read.",
            (string?)refused["reason"]);
        Assert.Null(refused["arguments"]);
    }
}
