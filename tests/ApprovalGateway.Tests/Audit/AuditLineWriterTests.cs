using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Arguments;

namespace ApprovalGateway.Tests.Audit;

public sealed class AuditLineWriterTests
{
    public static TheoryData<string> Entries => new()
    {
        // A record's own keys sort on both sides of "hash"; arguments carry text the writer escapes.
        """{"tool":"place_order","agent":"a","arguments":{"z":1,"\u00e9t\u00e9":"caf\u00e9 \ud83d\ude00","a":[{"y":null,"b":"<\"'&>"}]},"decision":"allowed"}""",
        """{"zeta":1,"omega":{"b":2,"a":1}}""",
        """{"alpha":true,"gamma":"x"}""",
        """{}""",
        """{"hash":"stale-hash-of-an-earlier-seal","agent":"a"}""",
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Seal_WritesTheCanonicalJsonOfTheSealedEntry_AndHashesItWithoutItsHash(string json)
    {
        var entry = JsonNode.Parse(json)!.AsObject();
        var line = new ArrayBufferWriter<byte>();
        line.Write("previous line\n"u8);

        var hash = new AuditLineWriter().Seal(entry, 7, AuditChain.Genesis, line);

        var written = Encoding.UTF8.GetString(line.WrittenSpan)["previous line\n".Length..];
        Assert.Equal(CanonicalJson.Serialize(entry), written);
        Assert.Equal(hash, entry[AuditChain.HashProperty]!.GetValue<string>());
        var unhashed = entry.DeepClone().AsObject();
        unhashed.Remove(AuditChain.HashProperty);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson.Serialize(unhashed)))), hash);

        // What verify-audit reads back from the line.
        var (claimed, actual) = AuditChain.Hashes(AuditChain.Parse(written));
        Assert.Equal(hash, claimed);
        Assert.Equal(hash, actual);
    }

    [Fact]
    public void Seal_GivesEachEntryItsOwnLine_WhenOneWriterSealsSeveral()
    {
        var writer = new AuditLineWriter();
        var line = new ArrayBufferWriter<byte>();
        var first = JsonNode.Parse("""{"agent":"a","arguments":{"long":"0123456789012345678901234567890123456789"}}""")!.AsObject();
        var second = JsonNode.Parse("""{"agent":"b"}""")!.AsObject();

        var firstHash = writer.Seal(first, 1, AuditChain.Genesis, line);
        line.Write("\n"u8);
        writer.Seal(second, 2, firstHash, line);

        Assert.Equal(
            $"{CanonicalJson.Serialize(first)}\n{CanonicalJson.Serialize(second)}",
            Encoding.UTF8.GetString(line.WrittenSpan));
    }
}
