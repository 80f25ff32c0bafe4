using ModelContextProtocol.AspNetCore;

namespace ApprovalGateway.DemoExchange;

/// <summary>Entry points for both transports, callable in-process by tests that host the demo themselves.</summary>
internal static class DemoExchangeServer
{
    public const string StdioSwitch = "--stdio";
    public const string DefaultUrl = "http://127.0.0.1:5100";

    public static Task RunAsync(string[] args) =>
        args.Contains(StdioSwitch) ? BuildStdioHost(args).RunAsync() : BuildWebApplication(args).RunAsync();

    /// <summary>Serves MCP on stdin/stdout; stdout carries only protocol messages, so every log line goes to stderr.</summary>
    public static IHost BuildStdioHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(WithoutStdioSwitch(args));
        LogToStandardError(builder.Logging);
        // A gateway starts one process per agent session and logs each stderr line it gets: one line to say it runs,
        // not the host's start-up banner and the SDK's two lines per request.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning).AddFilter("ModelContextProtocol", LogLevel.Warning);
        builder.Services.AddDemoExchange().WithStdioServerTransport();
        var host = builder.Build();
        AnnounceOnStart(host.Services, () => "stdio");
        return host;
    }

    /// <summary>
    /// Serves Streamable HTTP at <c>/mcp</c> with stateful sessions (the SDK default is stateless). Listens where
    /// <c>--urls</c> or <c>ASPNETCORE_URLS</c> say, else on <see cref="DefaultUrl"/> so it does not collide with the gateway.
    /// </summary>
    public static WebApplication BuildWebApplication(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = WithoutStdioSwitch(args),
            ApplicationName = typeof(DemoExchangeServer).Assembly.GetName().Name,
        });
        if (builder.Configuration["urls"] is null && builder.Configuration["http_ports"] is null && builder.Configuration["https_ports"] is null)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        LogToStandardError(builder.Logging);
        builder.Services.AddDemoExchange().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful);
        var app = builder.Build();
        app.MapMcp("/mcp");
        AnnounceOnStart(app.Services, () => $"Streamable HTTP at {string.Join(", ", app.Urls.Select(u => $"{u}/mcp"))}");
        return app;
    }

    private static void AnnounceOnStart(IServiceProvider services, Func<string> transport)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DemoExchangeServer).Namespace!);
        services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() =>
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.Serving(transport());
            }
        });
    }

    private static string[] WithoutStdioSwitch(string[] args) => [.. args.Where(a => a != StdioSwitch)];

    private static void LogToStandardError(ILoggingBuilder logging) =>
        logging.ClearProviders()
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
}
