using ApprovalGateway.Audit;
using Npgsql;

namespace ApprovalGateway.Cli;

/// <summary>
/// <c>approval-gateway verify-audit [--after SEQ:HASH] FILE...</c> (files rotated one after the other, oldest first) or
/// <c>verify-audit [--after SEQ:HASH] --postgres CONNECTION_STRING</c>.
/// </summary>
/// <remarks>Exit 0 when the chain holds, 1 naming the first broken record, 66 when nothing could be read.</remarks>
internal static class VerifyAuditCommand
{
    /// <param name="paths">One file, or a rotated file and those after it, oldest first.</param>
    /// <param name="after">Where the chain before the first file ended, for when that file is gone.</param>
    public static int Run(IReadOnlyList<string> paths, AuditAnchor after, TextWriter output)
    {
        if (paths.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            output.WriteLine(Directory.Exists(missing) ? $"{missing}: a folder, not an audit file" : $"{missing}: no such audit file");
            return CommandExitCodes.Unreadable;
        }

        AuditVerification result;
        try
        {
            result = AuditChainVerifier.Verify(paths, after);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"cannot be read ({ex.Message})");
            return CommandExitCodes.Unreadable;
        }

        return Report(string.Join(" + ", paths), after, result, output);
    }

    public static int RunPostgreSql(string connectionString, AuditAnchor after, TextWriter output)
    {
        var name = $"PostgreSQL table {PostgreSqlAuditLog.Table}";
        AuditVerification result;
        try
        {
            result = PostgreSqlAuditLog.Verify(connectionString, after);
        }
        catch (Exception ex) when (ex is NpgsqlException or ArgumentException)
        {
            // The message names the problem (no such table, refused connection, bad key) without echoing the password.
            output.WriteLine($"{name}: cannot be read ({ex.Message})");
            return CommandExitCodes.Unreadable;
        }

        return Report(name, after, result, output);
    }

    private static int Report(string name, AuditAnchor after, AuditVerification result, TextWriter output)
    {
        if (result.PartialLine is not null)
        {
            output.WriteLine(result.PartialLine);
        }

        var from = after == AuditAnchor.Genesis ? "" : $" after {after.Seq}";
        if (!result.Holds)
        {
            output.WriteLine(result.Problem);
            output.WriteLine($"{name}: the first {result.Records} records{from} are intact");
            return CommandExitCodes.Failed;
        }

        output.WriteLine($"{name}: {result.Records} records{from}, chain intact, head {result.Head}");
        return 0;
    }
}
