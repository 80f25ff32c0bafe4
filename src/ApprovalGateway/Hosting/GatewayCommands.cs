using ApprovalGateway.Audit;
using ApprovalGateway.Cli;

namespace ApprovalGateway.Hosting;

/// <summary>The offline commands of <c>approval-gateway</c>, run instead of the gateway itself.</summary>
internal static class GatewayCommands
{
    public static bool TryRun(string[] args, TextWriter output, out int exitCode) => TryRun(args, output, output, out exitCode);

    /// <param name="error">Where a command line the gateway cannot use is explained, with the usage.</param>
    /// <param name="input">Where <c>hash-password -</c> reads the password; standard input by default.</param>
    public static bool TryRun(string[] args, TextWriter output, TextWriter error, out int exitCode, TextReader? input = null)
    {
        exitCode = args switch
        {
            // First, so `hash-password --help` prints the usage rather than a hash of "--help".
            _ when args.Any(a => a is "--help" or "-h") => Usage(output, exitCode: 0),
            ["validate", var path] => ValidateCommand.Run(path, output),
            ["validate", _, _, ..] => OneArgument("validate", "the policy file", error),
            ["verify-audit", .. var rest] when rest.Length > 0 => VerifyAudit(rest, output, error),
            // From standard input, so the password stays out of the process list and the shell's history.
            ["hash-password", "-"] => HashPasswordCommand.Run((input ?? Console.In).ReadLine() ?? "", output),
            ["hash-password", var password] => HashPasswordCommand.Run(password, output),
            ["hash-password", _, _, ..] => OneArgument("hash-password", "the password, quoted if it has spaces", error),
            [var word and ("validate" or "verify-audit" or "hash-password")] => MissingArgument(word, error),
            ["help", ..] => Usage(output, exitCode: 0),
            _ when args.Contains("--version") => Version(output),
            [var word, ..] when IsCommandWord(word) => UnknownCommand(word, error),
            _ => -1,
        };
        return exitCode >= 0;
    }

    private static int VerifyAudit(string[] args, TextWriter output, TextWriter error)
    {
        var after = AuditAnchor.Genesis;
        if (args is ["--after", var anchor, .. var rest])
        {
            if (!AuditAnchor.TryParse(anchor, out after))
            {
                error.WriteLine($"approval-gateway verify-audit --after: '{anchor}' is not SEQ:HASH, a record's seq and its 64-character hash as verify-audit prints the head.");
                return Usage(error);
            }

            args = rest;
        }

        return args switch
        {
            [] => MissingArgument("verify-audit", error),
            ["--after"] => MissingArgument("verify-audit --after", error),
            ["--postgres"] => MissingArgument("verify-audit --postgres", error),
            ["--postgres", var connectionString] => VerifyAuditCommand.RunPostgreSql(connectionString, after, output),
            ["--postgres", _, _, ..] => OneArgument("verify-audit --postgres", "the connection string, quoted", error),
            _ when args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal)) is { } option => UnknownOption("verify-audit", option, error),
            _ => VerifyAuditCommand.Run(args, after, output),
        };
    }

    /// <summary>
    /// A first argument that is neither an option nor a <c>key=value</c> setting can only be meant as a command. The
    /// configuration would ignore it, so a mistyped command (<c>verify-adit</c>) used to start the whole gateway on its
    /// port, with its upstreams and data folder, instead of saying so.
    /// </summary>
    private static bool IsCommandWord(string argument) =>
        argument.Length > 0 && argument[0] is not ('-' or '/') && !argument.Contains('=', StringComparison.Ordinal);

    private static int UnknownCommand(string word, TextWriter error)
    {
        error.WriteLine($"approval-gateway: unknown command '{word}'.");
        return Usage(error);
    }

    private static int UnknownOption(string command, string option, TextWriter error)
    {
        error.WriteLine($"approval-gateway {command}: unknown option '{option}'.");
        return Usage(error);
    }

    /// <summary>Before, the words after the first were dropped: an unquoted password with a space was hashed cut short.</summary>
    private static int OneArgument(string command, string what, TextWriter error)
    {
        error.WriteLine($"approval-gateway {command}: takes one argument, {what}.");
        return Usage(error);
    }

    private static int MissingArgument(string command, TextWriter error)
    {
        error.WriteLine($"approval-gateway {command}: missing its argument.");
        return Usage(error);
    }

    private static int Version(TextWriter output)
    {
        output.WriteLine($"approval-gateway {GatewayVersion.Current}");
        return 0;
    }

    private static int Usage(TextWriter output, int exitCode = CommandExitCodes.Usage)
    {
        output.WriteLine("""
            usage:
              approval-gateway [--stdio] [--urls <url>] [--contentRoot <folder>] [--<Section>:<Key>=<value> ...]
                                                          run the gateway (--stdio: serve one MCP client on stdin/stdout)
              approval-gateway validate <policy.json>     check a policy file offline
              approval-gateway verify-audit <audit.jsonl> check the audit log's hash chain
              approval-gateway verify-audit <rotated> ... <audit.jsonl>
                                                          the same over files rotated one after another, oldest first
              approval-gateway verify-audit --postgres "<connection string>"
                                                          the same for the PostgreSQL audit sink
              approval-gateway verify-audit --after <seq>:<hash> <file> ... | --postgres "<connection string>"
                                                          the same from a head verify-audit printed before,
                                                          once the files (or rows) up to it are deleted
                                                          (exit 0 intact, 1 broken, 66 unreadable)
              approval-gateway hash-password <password>   print a PasswordHash for Approvers:{name}
              approval-gateway hash-password -            the same for a password read from standard input
              approval-gateway --version                  print the gateway's version
            """);
        return exitCode;
    }
}
