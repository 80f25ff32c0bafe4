using ApprovalGateway.DemoExchange.Exchange;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.DemoExchange;

internal static class ExchangeErrorFilter
{
    /// <summary>
    /// Turns a refused request into an <c>isError</c> result carrying the exchange's own words; left alone, the SDK
    /// would hide the reason behind a generic message.
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
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = e.Message }] };
            }
        };
}
