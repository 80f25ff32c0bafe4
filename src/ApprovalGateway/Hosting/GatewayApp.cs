using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Upstreams;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>Builds the gateway exactly as <c>Program</c> runs it, so tests host the same thing in-process.</summary>
internal static class GatewayApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var stdio = args.Contains("--stdio");
        // appsettings.json is read once: its watcher would watch the whole content root, where the audit file and
        // data live, and wake on every audit record. A setting given here wins over this default.
        // `--stdio` is a switch, not a setting: left in, the command line would read the argument after it as its value.
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args.Where(a => a != "--stdio")]);
        }
        catch (DirectoryNotFoundException ex)
        {
            // Only the content root is looked up this early; the message is its bare path, which read as the data folder.
            throw new OptionsValidationException("contentRoot", typeof(string),
                [$"contentRoot: the folder does not exist ({ex.Message.Trim()}); pass --contentRoot <the gateway's folder> or run it from there."]);
        }

        if (stdio)
        {
            // stdout carries the MCP protocol; every log line goes to stderr, and so does anything any library writes
            // to Console.Out. The transport writes to stdout's own stream, which this does not redirect.
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            Console.SetOut(Console.Error);
        }

        builder.Services.AddApprovalGateway(builder.Configuration, stdio);
        configure?.Invoke(builder);
        CheckContentRootHasSettings(builder);
        // Before the binder reads them: it passes over most mistakes in silence (see SettingsCheck).
        SettingsCheck.Verify(builder.Configuration);
        var app = builder.Build();

        // First: a shared database that cannot be opened is one line, not half a minute of Hangfire retrying its setup.
        SharedStorageCheck.EnsureReachable(app.Services);

        // Settings before mapping: mapping the hub makes the SignalR Redis backplane, which starts connecting at once,
        // and a connection string that does not parse then logged its stack trace before the one-line message.
        app.Services.GetService<IStartupValidator>()?.Validate();
        if (app.Services.GetRequiredService<IXmlRepository>() is PostgreSqlKeyRepository sharedKeys)
        {
            // Before anything seals a cookie or a token.
            sharedKeys.EnsureKeyInForce(
                app.Services.GetRequiredService<IKeyManager>(), app.Services.GetRequiredService<IOptions<KeyManagementOptions>>().Value);
        }

        app.MapApprovalGateway(stdio);

        // Checked here rather than when the host starts, which logs a failure with its stack trace first: a wrong
        // policy, like a wrong setting above, or a damaged audit file, is the admin's to fix from its message alone. The policy store
        // loads the file it is made, and the audit file is opened the same way.
        app.Services.GetRequiredService<PolicyStore>();
        OpenAuditFile(app.Services);
        return app;
    }

    /// <summary>Before, a gateway started from another folder than its own said "no enabled upstream is configured".</summary>
    private static void CheckContentRootHasSettings(WebApplicationBuilder builder)
    {
        var root = Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath);
        if (!File.Exists(Path.Combine(root, "appsettings.json")) && !builder.Configuration.GetSection("Gateway:Upstreams").GetChildren().Any())
        {
            throw new OptionsValidationException("contentRoot", typeof(string),
            [
                $"No appsettings.json in the content root {root}, and no upstream configured otherwise: run the gateway from the folder it was " +
                    "published to, or pass --contentRoot <that folder>.",
            ]);
        }
    }

    /// <summary>
    /// <see cref="Build"/>, then the upstreams connected and their tools listed before the host starts: a tool name two
    /// upstreams serve is then reported as the settings mistake it is (one line, exit code 78), where a failure while
    /// the host starts is logged with its stack trace first.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var app = Build(args, configure);
        try
        {
            await app.Services.GetRequiredService<ToolCatalog>().ConnectAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static void OpenAuditFile(IServiceProvider services)
    {
        if (services.GetRequiredService<IOptions<AuditOptions>>().Value.UsesPostgreSql)
        {
            return;
        }

        services.GetRequiredService<FileAuditLog>();
    }
}
