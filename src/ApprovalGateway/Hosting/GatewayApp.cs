namespace ApprovalGateway.Hosting;

/// <summary>Builds the gateway exactly as <c>Program</c> runs it, so tests host the same thing in-process.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var stdio = args.Contains("--stdio");
        var builder = WebApplication.CreateBuilder(args);
        if (stdio)
        {
            // stdout carries the MCP protocol; every log line goes to stderr.
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.Services.AddApprovalGateway(builder.Configuration, stdio);
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapApprovalGateway(stdio);
        return app;
    }
}
