using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>How the gateway says it cannot start: one line with the reason, on standard error (stdout may be MCP).</summary>
internal static class StartupFailure
{
    /// <summary>
    /// EX_CONFIG of sysexits.h, for the failures <see cref="IsExplained"/> names: restarting will not help until
    /// someone mends a file, so a service manager can be told not to (systemd's <c>RestartPreventExitStatus=78</c>).
    /// Other failures to start (a port in use) exit 1.
    /// </summary>
    public const int NeedsAnAdminExitCode = 78;

    /// <summary>
    /// Failures whose message is all an admin needs: a setting or the policy file (the message names the setting, or
    /// the file and line) and a damaged audit file (its path, and the command that finds the damage).
    /// </summary>
    public static bool IsExplained(Exception exception) =>
        exception is OptionsValidationException or PolicyLoadException or AuditLogDamagedException;

    public static int ExitCode(Exception exception) => IsExplained(exception) ? NeedsAnAdminExitCode : 1;

    public static void Report(Exception exception, TextWriter error)
    {
        var reason = exception is OptionsValidationException invalid
            ? string.Join(Environment.NewLine, invalid.Failures)
            : exception.Message;
        error.WriteLine($"The gateway cannot start: {reason}");
    }
}
