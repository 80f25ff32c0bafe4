using System.Text.Json;
using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange;

internal static class ExchangeErrorFilter
{
    /// <summary>
    /// Turns a refused request, or arguments that do not bind to the tool's parameters, into an <c>isError</c> result
    /// that says why; left alone, the SDK would hide the reason behind a generic message.
    /// </summary>
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Apply(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await next(context, cancellationToken);
            }
            catch (ExchangeException e)
            {
                return Error(e.Message);
            }
            catch (Exception e) when (e is ArgumentException or JsonException)
            {
                return Error($"Invalid arguments for '{context.Params?.Name}': {e.Message}");
            }
        };

    private static CallToolResult Error(string text) => new() { IsError = true, Content = [new TextContentBlock { Text = text }] };
}
