using ApprovalGateway.Hosting;

if (GatewayCommands.TryRun(args, Console.Out, out var exitCode))
{
    return exitCode;
}

await using var app = GatewayApp.Build(args);

// Taken now: RunAsync disposes the host, and its services with it, before an exception reaches the filter below.
var stopping = app.Lifetime.ApplicationStopping;
var logger = app.Logger;
try
{
    await app.RunAsync();
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    // A service whose stop the timeout cut short (Hangfire's server) throws; say so instead of an unhandled exception.
    Log.ShutdownTimedOut(logger);
    return 1;
}

return 0;
