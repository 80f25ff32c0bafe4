using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Audit;

/// <summary>
/// The tamper-evident line format. Each line is the canonical JSON of the record plus <c>seq</c>, <c>prev</c> (the
/// previous line's hash) and <c>hash</c> = SHA-256 of the canonical JSON of everything but <c>hash</c>. Because
/// <c>prev</c> is inside what is hashed, editing, deleting or reordering any line breaks every link after it.
/// </summary>
internal static class AuditChain
{
    /// <summary>The <c>prev</c> of the first record.</summary>
    public static readonly string Genesis = new('0', 64);

    public const string SeqProperty = "seq";
    public const string PrevProperty = "prev";
    public const string HashProperty = "hash";

    /// <summary>
    /// The record as it will be stored (secrets masked again, whatever the caller did; huge arguments cut, see
    /// <see cref="AuditArguments"/>) and its JSON.
    /// </summary>
    public static (AuditRecord Stored, JsonObject Entry) ToEntry(AuditRecord record)
    {
        var stored = record with { Arguments = AuditArguments.Kept(SecretMasker.MaskCopy(record.Arguments)), Seq = null, Hash = null };
        return (stored, JsonSerializer.SerializeToNode(stored, AuditJsonContext.Default.AuditRecord)!.AsObject());
    }

    // The gateway never writes a key twice, so a line that has one was edited. Without this the parser would accept
    // it and the first read of the object would throw ArgumentException instead of JsonException.
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    /// <summary>The line as a JSON object; <see cref="JsonException"/> for anything else, a duplicate key included.</summary>
    public static JsonObject Parse(string line) =>
        JsonNode.Parse(line, documentOptions: Strict) as JsonObject ?? throw new JsonException("The audit line is not a JSON object.");

    /// <summary>Adds the chain fields to <paramref name="entry"/> and returns the line (without newline) and its hash.</summary>
    public static (string Line, string Hash) Seal(JsonObject entry, long seq, string prev)
    {
        var line = new ArrayBufferWriter<byte>();
        var hash = new AuditLineWriter().Seal(entry, seq, prev, line);
        return (Encoding.UTF8.GetString(line.WrittenSpan), hash);
    }

    /// <summary>The stored record with the seq and hash <see cref="Seal"/> gave its entry, as a search reads it back.</summary>
    public static AuditRecord Sealed(AuditRecord stored, JsonObject entry) =>
        stored with { Seq = entry[SeqProperty]!.GetValue<long>(), Hash = entry[HashProperty]!.GetValue<string>() };

    /// <summary>The hash the line claims, and the hash its content actually has.</summary>
    public static (string? Claimed, string Actual) Hashes(JsonObject entry)
    {
        var copy = entry.DeepClone().AsObject();
        var claimed = copy.TryGetPropertyValue(HashProperty, out var node) && node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : null;
        copy.Remove(HashProperty);
        return (claimed, CanonicalJson.Sha256(copy));
    }

    public static AuditRecord ToRecord(JsonObject entry) =>
        entry.Deserialize(AuditJsonContext.Default.AuditRecord)
        ?? throw new JsonException("The audit line is JSON null.");
}
