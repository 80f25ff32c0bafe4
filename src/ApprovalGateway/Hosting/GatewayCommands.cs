namespace ApprovalGateway.Hosting;

/// <summary>The offline commands of <c>approval-gateway</c>, run instead of the gateway itself.</summary>
internal static class GatewayCommands
{
    public static bool TryRun(string[] args, TextWriter output, out int exitCode)
    {
        exitCode = 0;
        _ = output;
        return false;
    }
}
