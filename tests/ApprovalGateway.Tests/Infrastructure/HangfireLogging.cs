namespace ApprovalGateway.Tests.Infrastructure;

internal static class HangfireLogging
{
    /// <summary>
    /// Hangfire logs through one process-wide provider, bound to the logger factory of the last host that
    /// configured it; once that host is disposed the next one must not inherit a dead factory.
    /// </summary>
    public static void Forget() => Hangfire.Logging.LogProvider.SetCurrentLogProvider(null);
}
