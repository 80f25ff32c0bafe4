using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;

namespace ApprovalGateway.Cli;

/// <summary><c>approval-gateway validate &lt;file&gt;</c>: checks a policy offline; exit 0 when valid, 1 with one <c>file:line: message</c> per error.</summary>
internal static class ValidateCommand
{
    public static int Run(string path, TextWriter output)
    {
        var result = PolicyParser.ParseFile(path);
        if (!result.IsValid)
        {
            foreach (var error in result.Errors)
            {
                output.WriteLine(error.Format(path));
            }

            return 1;
        }

        output.WriteLine($"{path}: valid ({result.Policy.RuleCount} rules, default {result.Document.Default.ToWireName()})");
        return 0;
    }
}
