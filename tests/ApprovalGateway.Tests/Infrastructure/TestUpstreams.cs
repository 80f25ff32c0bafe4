using System.Text.Json;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>Gateway settings that point an upstream at a real MCP server.</summary>
internal static class TestUpstreams
{
    public static Dictionary<string, string?> EverythingStdio(string name = "everything", string? marker = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Gateway:Upstreams:{name}:Command"] = "node",
            [$"Gateway:Upstreams:{name}:Args:0"] = RepoPaths.ServerEverything,
            [$"Gateway:Upstreams:{name}:Args:1"] = "stdio",
        };
        if (marker is not null)
        {
            settings[$"Gateway:Upstreams:{name}:Env:GATEWAY_TEST_MARKER"] = marker;
        }

        return settings;
    }

    public static Dictionary<string, string?> Http(Uri url, string name = "everything") => new()
    {
        [$"Gateway:Upstreams:{name}:Url"] = url.ToString(),
        [$"Gateway:Upstreams:{name}:Transport"] = "streamable-http",
    };

    public static Dictionary<string, string?> DemoStdio(string name = "demo", string? marker = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"Gateway:Upstreams:{name}:Enabled"] = "true",
            [$"Gateway:Upstreams:{name}:Command"] = "dotnet",
            [$"Gateway:Upstreams:{name}:Args:0"] = RepoPaths.DemoExchangeDll,
            [$"Gateway:Upstreams:{name}:Args:1"] = "--stdio",
        };
        if (marker is not null)
        {
            settings[$"Gateway:Upstreams:{name}:Env:GATEWAY_TEST_MARKER"] = marker;
        }

        return settings;
    }

    /// <summary>
    /// A stdio server made by <paramref name="script"/> with the official TypeScript SDK (installed under
    /// tests/upstreams as server-everything's dependency), for upstreams that misbehave on purpose.
    /// </summary>
    public static Dictionary<string, string?> NodeScriptStdio(string name, string script) => new()
    {
        [$"Gateway:Upstreams:{name}:Command"] = "node",
        [$"Gateway:Upstreams:{name}:Args:0"] = "-e",
        [$"Gateway:Upstreams:{name}:Args:1"] = script,
        [$"Gateway:Upstreams:{name}:WorkingDirectory"] = Path.Combine(RepoPaths.Root, "tests", "upstreams"),
    };

    /// <summary>
    /// A stdio upstream named flaky with one tool, hello (answers "hi"), whose process exits with code 3 saying "closed
    /// for maintenance" while the file <paramref name="closedMarker"/> exists: down and back at a test's word.
    /// </summary>
    public static Dictionary<string, string?> ClosableStdio(string closedMarker) => NodeScriptStdio("flaky", $$"""
        if (require('fs').existsSync({{JsonSerializer.Serialize(closedMarker)}})) {
          process.stderr.write('closed for maintenance\n', () => process.exit(3));
        } else {
          const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
          const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
          const server = new McpServer({ name: 'flaky', version: '1.0.0' });
          server.registerTool('hello', {}, async () => ({ content: [{ type: 'text', text: 'hi' }] }));
          server.connect(new StdioServerTransport());
        }
        """);

    public static Dictionary<string, string?> Merge(params IReadOnlyDictionary<string, string?>[] parts)
    {
        var all = new Dictionary<string, string?>();
        foreach (var part in parts)
        {
            foreach (var (key, value) in part)
            {
                all[key] = value;
            }
        }

        return all;
    }
}
