namespace ApprovalGateway.Cli;

/// <summary>What the offline commands' exit codes tell a script: look at the input, fix the command line, or find the input.</summary>
internal static class CommandExitCodes
{
    /// <summary>The input was read and is wrong: a broken audit chain, an invalid policy.</summary>
    public const int Failed = 1;

    public const int Usage = 2;

    /// <summary>EX_NOINPUT of sysexits.h: nothing was checked, because a file or the audit table could not be read.</summary>
    public const int Unreadable = 66;
}
