using System.Net.Sockets;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Upstreams;
using Microsoft.AspNetCore.Connections;
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
    /// the file and line), a setting that does not parse, two upstreams serving one tool name (the names, and the
    /// setting that tells them apart), a damaged audit file (its path, and the command that finds the damage), an audit
    /// file another gateway writes (what to change), a data folder the gateway cannot create or write (its path), and a
    /// shared PostgreSQL database it cannot open (the setting and server; exit code 1 unless the server refused the settings).
    /// </summary>
    public static bool IsExplained(Exception exception) => exception switch
    {
        OptionsValidationException or PolicyLoadException or ToolNameClashException or AuditLogDamagedException or AuditLogInUseException
            or SharedStorageUnreachableException => true,
        AggregateException all => all.Flatten().InnerExceptions.All(IsExplained),
        InvalidOperationException when ThrownByTheConfigurationBinder(exception) => true,
        InvalidDataException { InnerException: not null } when exception.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) => true,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    public static int ExitCode(Exception exception) => exception switch
    {
        // A database that is down or out of reach may be back by the next start; one that refused the settings is not.
        SharedStorageUnreachableException { NeedsAnAdmin: false } => 1,
        AggregateException all when all.Flatten().InnerExceptions.Any(e => e is SharedStorageUnreachableException { NeedsAnAdmin: false }) => 1,
        _ => IsExplained(exception) ? NeedsAnAdminExitCode : 1,
    };

    public static void Report(Exception exception, TextWriter error) =>
        error.WriteLine($"The gateway cannot start: {string.Join(Environment.NewLine, Reasons(exception).Distinct(StringComparer.Ordinal))}");

    private static IEnumerable<string> Reasons(Exception exception) => exception switch
    {
        // Several validators may report the same setting (one checks it, another reads it): it is said once.
        AggregateException all => all.Flatten().InnerExceptions.SelectMany(Reasons),
        OptionsValidationException invalid => invalid.Failures,

        // "Failed to convert configuration value 'abc' at 'Gateway:SessionIdleTimeout' to type 'System.TimeSpan'."
        // appsettings.json that is not JSON: the line and position are in the innermost message.
        InvalidOperationException or InvalidDataException => [string.Join(' ', Chain(exception).Select(e => e.Message))],
        // A port in use or not ours to take: the address is in the message, and the data folder has nothing to do with it.
        IOException when Chain(exception).Any(e => e is SocketException or AddressInUseException) => [exception.Message],
        IOException or UnauthorizedAccessException =>
            [$"{exception.Message} The gateway keeps its audit log and sign-in keys under Gateway:DataPath (or Gateway:Audit:Path): the user it runs as must be able to create and write them."],
        _ => [exception.Message],
    };

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static bool ThrownByTheConfigurationBinder(Exception exception) =>
        exception.TargetSite?.DeclaringType?.Assembly == typeof(ConfigurationBinder).Assembly;
}
