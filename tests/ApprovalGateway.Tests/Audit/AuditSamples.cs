using System.Text.Json.Nodes;
using ApprovalGateway.Audit;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApprovalGateway.Tests.Audit;

internal static class AuditSamples
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    public static AuditRecord Record(
        int n,
        string agent = "trader",
        string tool = "place_order",
        string decision = "allowed",
        string outcome = "forwarded",
        string? reason = null) =>
        new(
            Start.AddMinutes(n),
            agent,
            $"session-{n}",
            "exchange",
            tool,
            new JsonObject { ["symbol"] = "BTC-USD", ["quantity"] = n },
            $"sha-{n}",
            decision,
            "rule-1",
            outcome,
            reason,
            null,
            [],
            "trade",
            0.5,
            0,
            12.25,
            13);

    /// <summary>
    /// <see cref="Record"/> 1 to <paramref name="count"/> sealed into one chain as the sinks store them, for a test that
    /// needs more records than appending one by one would write in good time.
    /// </summary>
    public static IEnumerable<SealedRecord> Chain(int count)
    {
        var prev = AuditChain.Genesis;
        for (var n = 1; n <= count; n++)
        {
            var (record, entry) = AuditChain.ToEntry(Record(n));
            var (line, hash) = AuditChain.Seal(entry, n, prev);
            yield return new SealedRecord(n, line, hash, prev, record);
            prev = hash;
        }
    }

    public static FileAuditLog Open(string path, int recentCapacity = 1000, bool waitForDisk = true, TimeProvider? time = null) =>
        new(path, recentCapacity, NullLogger<FileAuditLog>.Instance, waitForDisk, time);
}
