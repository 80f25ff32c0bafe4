using ApprovalGateway.Cli;

namespace ApprovalGateway.Hosting;

/// <summary>The offline commands of <c>approval-gateway</c>, run instead of the gateway itself.</summary>
internal static class GatewayCommands
{
    public static bool TryRun(string[] args, TextWriter output, out int exitCode)
    {
        exitCode = args switch
        {
            ["validate", var path, ..] => ValidateCommand.Run(path, output),
            ["verify-audit", "--postgres"] => Usage(output),
            ["verify-audit", "--postgres", var connectionString, ..] => VerifyAuditCommand.RunPostgreSql(connectionString, output),
            ["verify-audit", var path, ..] => VerifyAuditCommand.Run(path, output),
            ["hash-password", var password, ..] => HashPasswordCommand.Run(password, output),
            ["validate" or "verify-audit" or "hash-password"] => Usage(output),
            ["help", ..] => Usage(output, exitCode: 0),
            _ when args.Any(a => a is "--help" or "-h") => Usage(output, exitCode: 0),
            _ => -1,
        };
        return exitCode >= 0;
    }

    private static int Usage(TextWriter output, int exitCode = 2)
    {
        output.WriteLine("""
            usage:
              approval-gateway [--stdio] [--urls <url>] [--contentRoot <folder>] [--<Section>:<Key>=<value> ...]
                                                          run the gateway (--stdio: serve one MCP client on stdin/stdout)
              approval-gateway validate <policy.json>     check a policy file offline
              approval-gateway verify-audit <audit.jsonl> check the audit log's hash chain
              approval-gateway verify-audit --postgres "<connection string>"
                                                          the same for the PostgreSQL audit sink
              approval-gateway hash-password <password>   print a PasswordHash for Approvers:{name}
            """);
        return exitCode;
    }
}
