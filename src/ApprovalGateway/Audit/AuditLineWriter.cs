using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Audit;

/// <summary>
/// Seals entries into audit lines (see <see cref="AuditChain"/>) with one canonical serialization per record: the hash
/// is taken over the canonical JSON without <c>hash</c>, and the line is those same bytes with the <c>hash</c> member
/// put in where canonical key order places it. Every allowed call writes two records, so serializing each one twice
/// (once to hash it, once for the line) and going through strings in between was a measurable share of a call's CPU.
/// One instance per writer: it reuses its buffer, so it is not for concurrent use.
/// </summary>
internal sealed class AuditLineWriter
{
    private readonly ArrayBufferWriter<byte> canonical = new();
    private readonly Utf8JsonWriter writer;

    public AuditLineWriter() => writer = new Utf8JsonWriter(canonical);

    /// <summary>
    /// Adds the chain fields to <paramref name="entry"/>, appends its line (without newline) to <paramref name="line"/>
    /// and returns its hash. The bytes are those of <c>CanonicalJson.Serialize</c> of the sealed entry.
    /// </summary>
    public string Seal(JsonObject entry, long seq, string prev, IBufferWriter<byte> line)
    {
        entry.Remove(AuditChain.HashProperty);
        entry[AuditChain.SeqProperty] = seq;
        entry[AuditChain.PrevProperty] = prev;

        canonical.ResetWrittenCount();
        writer.Reset(canonical);
        var (hashAt, before, after) = WriteWithoutHash(entry);
        var written = canonical.WrittenSpan;
        var hash = Convert.ToHexStringLower(SHA256.HashData(written));
        entry[AuditChain.HashProperty] = hash;

        line.Write(written[..hashAt]);
        WriteHashMember(line, hash, before, after);
        line.Write(written[hashAt..]);
        return hash;
    }

    /// <summary>
    /// Writes the entry's canonical JSON and returns the offset where the <c>hash</c> member belongs (before the comma
    /// of the first member that sorts after it, or before the closing brace) and whether members come before and after it.
    /// </summary>
    private (int HashAt, bool Before, bool After) WriteWithoutHash(JsonObject entry)
    {
        writer.WriteStartObject();
        int? hashAt = null;
        var before = false;
        foreach (var (key, value) in entry.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (hashAt is null && string.CompareOrdinal(key, AuditChain.HashProperty) > 0)
            {
                hashAt = Position();
            }
            else if (hashAt is null)
            {
                before = true;
            }

            writer.WritePropertyName(key);
            CanonicalJson.Write(writer, value);
        }

        var after = hashAt is not null;
        hashAt ??= Position();
        writer.WriteEndObject();
        writer.Flush();
        return (hashAt.Value, before, after);
    }

    private int Position() => checked((int)(writer.BytesCommitted + writer.BytesPending));

    private static void WriteHashMember(IBufferWriter<byte> line, string hash, bool before, bool after)
    {
        if (before)
        {
            line.Write(","u8);
        }

        line.Write("\"hash\":\""u8);
        var hex = line.GetSpan(hash.Length);
        for (var i = 0; i < hash.Length; i++)
        {
            hex[i] = (byte)hash[i];
        }

        line.Advance(hash.Length);
        line.Write(after && !before ? "\","u8 : "\""u8);
    }
}
