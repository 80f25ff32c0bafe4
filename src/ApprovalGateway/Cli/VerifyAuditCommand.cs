using ApprovalGateway.Audit;
using Npgsql;

namespace ApprovalGateway.Cli;

/// <summary>
/// <c>approval-gateway verify-audit FILE...</c> (files rotated one after the other, oldest first) or <c>verify-audit --postgres CONNECTION_STRING</c>: 0 when the hash chain
/// holds, 1 naming the first broken record.
/// </summary>
internal static class VerifyAuditCommand
{
    /// <param name="paths">One file, or a rotated file and those after it, oldest first.</param>
    public static int Run(IReadOnlyList<string> paths, TextWriter output)
    {
        if (paths.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            output.WriteLine($"{missing}: no such audit file");
            return 1;
        }

        AuditVerification result;
        try
        {
            result = AuditChainVerifier.Verify(paths);
        }
        catch (IOException ex)
        {
            output.WriteLine($"cannot be read ({ex.Message})");
            return 1;
        }

        return Report(string.Join(" + ", paths), result, output);
    }

    public static int RunPostgreSql(string connectionString, TextWriter output)
    {
        var name = $"PostgreSQL table {PostgreSqlAuditLog.Table}";
        AuditVerification result;
        try
        {
            result = PostgreSqlAuditLog.Verify(connectionString);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
        {
            // The message names the problem (no such table, refused connection, bad key) without echoing the password.
            output.WriteLine($"{name}: cannot be read ({ex.Message})");
            return 1;
        }

        return Report(name, result, output);
    }

    private static int Report(string name, AuditVerification result, TextWriter output)
    {
        if (result.PartialLine is not null)
        {
            output.WriteLine(result.PartialLine);
        }

        if (!result.Holds)
        {
            output.WriteLine(result.Problem);
            output.WriteLine($"{name}: the first {result.Records} records are intact");
            return 1;
        }

        output.WriteLine($"{name}: {result.Records} records, chain intact, head {result.Head}");
        return 0;
    }
}
