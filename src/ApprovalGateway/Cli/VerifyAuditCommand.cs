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
            if (paths.FirstOrDefault(IsCompressed) is { } compressed)
            {
                output.WriteLine($"{compressed}: a compressed file (logrotate's compress); decompress it first, e.g. zcat {compressed} > {Path.GetFileNameWithoutExtension(compressed)}");
                return CommandExitCodes.Unreadable;
            }

            result = AuditChainVerifier.Verify(paths, after);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"cannot be read ({ex.Message})");
            return CommandExitCodes.Unreadable;
        }

        var (kept, held) = FileAuditLog.ReadKeptHead(paths[^1]);
        var code = Report(string.Join(" + ", paths), after, Against(kept, paths[^1], $"{paths[^1]}.lock", "or the machine lost power before they reached the disk", result), output);
        if (code == 0 && held)
        {
            output.WriteLine($"(a running gateway holds {paths[^1]}.lock, so its end was not checked against the head kept there; verify a copy of both files, or with the gateway stopped)");
        }

        return code;
    }

    /// <summary>
    /// A chain that holds but ends before the head its gateway kept in the lock file (or table audit_head) has lost its
    /// newest records; one that ends past it is fine (the file sink keeps the head just after it writes).
    /// </summary>
    private static AuditVerification Against(AuditAnchor? kept, string path, string keptIn, string otherCause, AuditVerification result)
    {
        if (!result.Holds || kept is not { } head || head.Seq < result.Head.Seq || head == result.Head)
        {
            return result;
        }

        return result with
        {
            Problem = head.Seq > result.Head.Seq
                ? $"{path}: {(result.Head.Seq == 0 ? "has no records" : $"ends at seq {result.Head.Seq}")}, but the gateway that writes it wrote up to seq {head.Seq} ({keptIn}): " +
                    $"records were cut from its end, {otherCause}"
                : $"{path}: its last record, seq {result.Head.Seq}, is not the one the gateway wrote ({keptIn} keeps {head}): the end of the file was replaced",
        };
    }

    /// <summary>gzip, bzip2, xz or zstd by their magic bytes: read as text, their first byte was named "not a valid JSON record".</summary>
    private static bool IsCompressed(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var file = File.OpenRead(path);
        var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        return magic[..read] switch
        {
            [0x1f, 0x8b, ..] => true,
            [(byte)'B', (byte)'Z', (byte)'h', ..] => true,
            [0xfd, (byte)'7', (byte)'z', (byte)'X'] => true,
            [0x28, 0xb5, 0x2f, 0xfd] => true,
            _ => false,
        };
    }

    public static int RunPostgreSql(string connectionString, AuditAnchor after, TextWriter output)
    {
        var name = $"PostgreSQL table {PostgreSqlAuditLog.Table}";
        AuditVerification result;
        try
        {
            result = PostgreSqlAuditLog.Verify(connectionString, after, out var kept);
            result = Against(kept, name, $"table {PostgreSqlAuditLog.HeadTable}", "or the table was emptied or restored from an older backup", result);
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
