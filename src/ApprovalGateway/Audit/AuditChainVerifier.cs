using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalGateway.Audit;

/// <summary>Walks an audit file and names the first line where the hash chain breaks.</summary>
internal static class AuditChainVerifier
{
    public static AuditVerification Verify(string path)
    {
        var expectedSeq = 1L;
        var previousHash = AuditChain.Genesis;
        var lastNumber = 0;
        var lastEnd = 0L;
        using var stream = AuditLineReader.OpenForReading(path);
        foreach (var line in AuditLineReader.Read(stream))
        {
            var problem = Check(line.Text, expectedSeq, previousHash);
            if (problem is not null)
            {
                return new AuditVerification(expectedSeq - 1, $"{path}:{line.Number}: {problem}", null, previousHash);
            }

            previousHash = AuditChain.Parse(line.Text)[AuditChain.HashProperty]!.GetValue<string>();
            (lastNumber, lastEnd) = (line.Number, line.End);
            expectedSeq++;
        }

        var partial = stream.Length > lastEnd
            ? $"{path}:{lastNumber + 1}: partial last line ignored (an interrupted write; the gateway truncates it at startup)"
            : null;
        return new AuditVerification(expectedSeq - 1, null, partial, previousHash);
    }

    private static string? Check(string text, long expectedSeq, string previousHash)
    {
        JsonObject entry;
        try
        {
            entry = AuditChain.Parse(text);
        }
        catch (JsonException ex)
        {
            return $"not a valid JSON record ({ex.Message})";
        }

        var (claimed, actual) = AuditChain.Hashes(entry);
        if (claimed is null)
        {
            return "the record has no hash";
        }

        if (!string.Equals(claimed, actual, StringComparison.Ordinal))
        {
            return "the record's content does not match its hash: it was edited after it was written";
        }

        var seq = Read<long>(entry, AuditChain.SeqProperty);
        if (seq != expectedSeq)
        {
            return $"seq is {seq?.ToString() ?? "missing"} where {expectedSeq} was expected: a record before this line was deleted, or records were reordered";
        }

        var prev = entry[AuditChain.PrevProperty] is JsonValue value && value.TryGetValue<string>(out var text2) ? text2 : null;
        return string.Equals(prev, previousHash, StringComparison.Ordinal)
            ? null
            : "prev does not match the hash of the record before it: a record was deleted, replaced or reordered";
    }

    private static T? Read<T>(JsonObject entry, string property)
        where T : struct =>
        entry[property] is JsonValue value && value.TryGetValue<T>(out var result) ? result : null;
}
