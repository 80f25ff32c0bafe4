using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>How the gateway says it cannot start: one line with the reason, on standard error (stdout may be MCP).</summary>
internal static class StartupFailure
{
    /// <summary>
    /// EX_CONFIG of sysexits.h: restarting will not help until someone edits a file, so a service manager can be
    /// told not to (systemd's <c>RestartPreventExitStatus=78</c>). Other failures to start (a port in use) exit 1.
    /// </summary>
    public const int ConfigurationExitCode = 78;

    /// <summary>Mistakes in appsettings or the policy file: their messages name the setting or the file and line.</summary>
    public static bool IsConfigurationError(Exception exception) =>
        exception is OptionsValidationException or PolicyLoadException;

    /// <summary>Failures whose message is all an admin needs: configuration errors and a damaged audit file.</summary>
    public static bool IsExplained(Exception exception) =>
        IsConfigurationError(exception) || exception is AuditLogDamagedException;

    public static int ExitCode(Exception exception) => IsConfigurationError(exception) ? ConfigurationExitCode : 1;

    public static void Report(Exception exception, TextWriter error)
    {
        var reason = exception is OptionsValidationException invalid
            ? string.Join(Environment.NewLine, invalid.Failures)
            : exception.Message;
        error.WriteLine($"The gateway cannot start: {reason}");
    }
}
