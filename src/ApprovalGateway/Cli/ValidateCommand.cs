using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;

namespace ApprovalGateway.Cli;

/// <summary>
/// <c>approval-gateway validate &lt;file&gt;</c>: checks a policy offline; exit 0 when valid, 1 with one
/// <c>file:line: message</c> per error, 66 when the file cannot be read. A valid file's warnings (settings that can
/// never do anything) follow its "valid" line as <c>file:line: message (warning)</c>.
/// </summary>
internal static class ValidateCommand
{
    public static int Run(string path, TextWriter output)
    {
        var (text, unreadable) = PolicyParser.ReadFile(path);
        if (text is null)
        {
            output.WriteLine(PolicyParser.Unreadable(path, unreadable!).FormatErrors());
            return CommandExitCodes.Unreadable;
        }

        var result = PolicyParser.Parse(text, path);
        if (!result.IsValid)
        {
            output.WriteLine(result.FormatErrors());
            return CommandExitCodes.Failed;
        }

        output.WriteLine($"{path}: valid ({result.Policy.Summary})");
        foreach (var warning in result.Warnings)
        {
            // Valid, so exit 0 still: the gateway loads this file, and says the same at startup and on reload.
            output.WriteLine($"{warning.Format(path)} (warning)");
        }

        return 0;
    }
}
