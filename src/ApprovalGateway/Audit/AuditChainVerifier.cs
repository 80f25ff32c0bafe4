using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalGateway.Audit;

/// <summary>Walks an audit chain, from a file or from the PostgreSQL table, and names the first record where it breaks.</summary>
internal static class AuditChainVerifier
{
    /// <summary>
    /// One chain over <paramref name="paths"/>, oldest first: after log rotation the gateway carries its chain on in a
    /// new file, whose first record links to the last of the file before it.
    /// </summary>
    /// <param name="after">Where the chain before the first file ended; <see cref="AuditAnchor.Genesis"/> when the first file starts the chain.</param>
    public static AuditVerification Verify(IReadOnlyList<string> paths, AuditAnchor after)
    {
        var partial = new List<string>();
        var result = Verify(Lines(), after, AuditChainSource.Files);
        if (!result.Holds && paths.Skip(1).Any(p => result.Problem!.StartsWith($"{p}:1: ", StringComparison.Ordinal)))
        {
            return result with
            {
                Problem = result.Problem + " (this file does not go on from the one before it: a file between them is missing, or the files are out of order)",
            };
        }

        return result.Holds && partial.Count > 0 ? result with { PartialLine = string.Join(Environment.NewLine, partial) } : result;

        IEnumerable<(string Location, string Text)> Lines()
        {
            foreach (var path in paths)
            {
                using var stream = AuditLineReader.OpenForReading(path);
                var (lastNumber, lastEnd) = (0, 0L);
                foreach (var line in AuditLineReader.Read(stream))
                {
                    (lastNumber, lastEnd) = (line.Number, line.End);
                    yield return ($"{path}:{line.Number}", line.Text);
                }

                if (stream.Length > lastEnd)
                {
                    partial.Add($"{path}:{lastNumber + 1}: partial last line ignored (an interrupted write; the gateway truncates it at startup)");
                }
            }
        }
    }

    /// <summary>Checks records in chain order; <c>Location</c> names a record in the problem message (<c>file:line</c>, <c>seq N</c>).</summary>
    public static AuditVerification Verify(IEnumerable<(string Location, string Text)> records, AuditAnchor after, AuditChainSource source)
    {
        var head = after;
        foreach (var (location, text) in records)
        {
            var problem = Check(text, head, after, source);
            if (problem is not null)
            {
                return new AuditVerification(head.Seq - after.Seq, $"{location}: {problem}", null, head);
            }

            head = new AuditAnchor(head.Seq + 1, AuditChain.Parse(text)[AuditChain.HashProperty]!.GetValue<string>());
        }

        return new AuditVerification(head.Seq - after.Seq, null, null, head);
    }

    private static string? Check(string text, AuditAnchor previous, AuditAnchor after, AuditChainSource source)
    {
        var expectedSeq = previous.Seq + 1;
        JsonObject entry;
        string? claimed;
        string actual;
        try
        {
            entry = AuditChain.Parse(text);
            (claimed, actual) = AuditChain.Hashes(entry);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            // Whatever an edit did to the line, the answer is the line's number, not a crash. The reader's own
            // position ("LineNumber: 0") counts within the one line it was given and read as a contradiction.
            var cut = ex.Message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            return $"not a valid JSON record ({(cut > 0 ? ex.Message[..cut] : ex.Message)})";
        }

        if (claimed is null)
        {
            return "the record has no hash";
        }

        if (!string.Equals(claimed, actual, StringComparison.Ordinal))
        {
            return "the record's content does not match its hash: it was edited after it was written";
        }

        var seq = Read<long>(entry, AuditChain.SeqProperty);
        if (previous == AuditAnchor.Genesis && seq > 1)
        {
            return source == AuditChainSource.Table
                ? $"seq is {seq} where 1 was expected: the table starts mid-chain, so rows before this one were deleted; if they were " +
                    "pruned, verify the rows left with --after SEQ:HASH, the head verify-audit printed before the delete"
                : $"seq is {seq} where 1 was expected: the file starts mid-chain, as the gateway's new file does after log rotation " +
                    "(verify it together with the files rotated before it, oldest first, or with --after SEQ:HASH, the head verify-audit " +
                    "printed for them), or records before this one were deleted";
        }

        var what = source == AuditChainSource.Table ? "table" : "file";

        // A whole file given with the head of the files before it: the anchor is the mistake, not the file.
        if (previous == after && after != AuditAnchor.Genesis && seq == 1)
        {
            return $"seq is 1 where {expectedSeq} was expected: the {what} does not go on from {after}, it starts the chain " +
                "(verify it without --after)";
        }

        if (previous == after && after != AuditAnchor.Genesis && seq != expectedSeq)
        {
            return $"seq is {seq?.ToString() ?? "missing"} where {expectedSeq} was expected: the {what} does not go on from {after} " +
                "(records between them are missing, or the anchor is of another chain)";
        }

        if (seq != expectedSeq)
        {
            return $"seq is {seq?.ToString() ?? "missing"} where {expectedSeq} was expected: a record before this one was deleted, or records were reordered";
        }

        var prev = entry[AuditChain.PrevProperty] is JsonValue value && value.TryGetValue<string>(out var text2) ? text2 : null;
        if (string.Equals(prev, previous.Hash, StringComparison.Ordinal))
        {
            return null;
        }

        return previous == after && after != AuditAnchor.Genesis
            ? $"prev does not match the hash of {after}: the anchor is of another chain, or the record before this one was replaced"
            : "prev does not match the hash of the record before it: a record was deleted, replaced or reordered";
    }

    private static T? Read<T>(JsonObject entry, string property)
        where T : struct =>
        entry[property] is JsonValue value && value.TryGetValue<T>(out var result) ? result : null;
}
