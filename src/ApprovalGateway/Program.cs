using ApprovalGateway.Hosting;

if (GatewayCommands.TryRun(args, Console.Out, Console.Error, out var exitCode))
{
    return exitCode;
}

WebApplication built;
try
{
    built = await GatewayApp.BuildAsync(args);
}
catch (Exception e) when (StartupFailure.IsExplained(e))
{
    // An admin's mistake gets its message, not a stack trace, and an exit code a service manager can tell apart.
    StartupFailure.Report(e, Console.Error);
    return StartupFailure.ExitCode(e);
}

await using var app = built;

// Taken now: RunAsync disposes the host, and its services with it, before an exception reaches the filters below.
var started = app.Lifetime.ApplicationStarted;
var stopping = app.Lifetime.ApplicationStopping;
var logger = app.Logger;
try
{
    await app.RunAsync();
}
catch (Exception e) when (stopping.IsCancellationRequested && CutShort(e))
{
    // A service whose stop the timeout cut short (Hangfire's server) throws, and several come as one AggregateException;
    // say so instead of an unhandled exception, which aborts the runtime with a stack trace.
    Log.ShutdownTimedOut(logger);
    return 1;
}
catch (Exception e) when (!started.IsCancellationRequested)
{
    // The host has logged it with its stack (a port in use, say); end with one line saying why, not a crash dump.
    StartupFailure.Report(e, Console.Error);
    return 1;
}

return 0;

static bool CutShort(Exception e) =>
    e is OperationCanceledException || (e is AggregateException all && all.InnerExceptions.All(CutShort));
