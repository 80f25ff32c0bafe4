using ApprovalGateway.Audit;

namespace ApprovalGateway.Cli;

/// <summary><c>approval-gateway verify-audit FILE</c>: 0 when the hash chain holds, 1 naming the first broken record.</summary>
internal static class VerifyAuditCommand
{
    public static int Run(string path, TextWriter output)
    {
        if (!File.Exists(path))
        {
            output.WriteLine($"{path}: no such audit file");
            return 1;
        }

        AuditVerification result;
        try
        {
            result = AuditChainVerifier.Verify(path);
        }
        catch (IOException ex)
        {
            output.WriteLine($"{path}: cannot be read ({ex.Message})");
            return 1;
        }

        if (result.PartialLine is not null)
        {
            output.WriteLine(result.PartialLine);
        }

        if (!result.Holds)
        {
            output.WriteLine(result.Problem);
            output.WriteLine($"{path}: the first {result.Records} records are intact");
            return 1;
        }

        output.WriteLine($"{path}: {result.Records} records, chain intact, head {result.Head}");
        return 0;
    }
}
