using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Approvals;

/// <summary>
/// One Hangfire hash per agent, upstream and tool, expiring with the grant, and a set of those hashes scored by when
/// each grant ends, so a list reads only the grants still in force. A grant that ran out leaves its entry in the set
/// (one per agent, upstream and tool at most, rescored by the next grant), below every score a list asks for. Writes
/// to one agent, upstream and tool happen under its distributed lock: a revocation must never delete the newer grant
/// that replaced the one it read.
/// </summary>
internal sealed class HangfireGrantStore(JobStorage storage, TimeProvider time, IOptions<ApprovalOptions> options) : IGrantStore
{
    private const string Field = "grant";
    private const string Index = "approvals:grants";

    // Grants in force are one per agent, upstream and tool; this bounds one listing, not what is stored.
    private const int MaxListed = 10_000;

    public void Add(ApprovalGrant grant)
    {
        var key = Key(grant.Agent, grant.Upstream, grant.Tool);
        var json = JsonSerializer.Serialize(grant, ApprovalStorageJsonContext.Default.ApprovalGrant);
        var lifetime = grant.Until - time.GetUtcNow();
        using var connection = storage.GetConnection();
        using var keyLock = Lock(connection, key);
        using var transaction = connection.CreateWriteTransaction();
        transaction.SetRangeInHash(key, [new KeyValuePair<string, string>(Field, json)]);
        transaction.AddToSet(Index, key, Score(grant.Until));
        if (transaction is JobStorageTransaction expiring && lifetime > TimeSpan.Zero)
        {
            // Storage expiry only reclaims space; Find checks Until against the TimeProvider.
            expiring.ExpireHash(key, lifetime + TimeSpan.FromMinutes(1));
        }

        transaction.Commit();
    }

    public ApprovalGrant? Find(string agent, string upstream, string tool, DateTimeOffset now)
    {
        using var connection = storage.GetConnection();
        return Read(connection, Key(agent, upstream, tool)) is { } grant && now < grant.Until ? grant : null;
    }

    public IReadOnlyList<ApprovalGrant> List(DateTimeOffset now)
    {
        using var connection = (JobStorageConnection)storage.GetConnection();
        return [.. Listed(connection, now)
            .Select(key => Read(connection, key))
            .OfType<ApprovalGrant>()
            .Where(g => now < g.Until)
            .OrderBy(g => g.Until)];
    }

    public ApprovalGrant? Revoke(string approvalId, DateTimeOffset now)
    {
        using var connection = (JobStorageConnection)storage.GetConnection();
        foreach (var key in Listed(connection, now))
        {
            if (Read(connection, key)?.ApprovalId != approvalId)
            {
                continue;
            }

            using var keyLock = Lock(connection, key);

            // Again under the lock: another instance may have revoked it, or a newer approval replaced it, meanwhile.
            if (Read(connection, key) is not { } grant || grant.ApprovalId != approvalId || now >= grant.Until)
            {
                return null;
            }

            using var transaction = connection.CreateWriteTransaction();
            transaction.RemoveHash(key);
            transaction.RemoveFromSet(Index, key);
            transaction.Commit();
            return grant;
        }

        return null;
    }

    private static List<string> Listed(JobStorageConnection connection, DateTimeOffset now) =>
        connection.GetFirstByLowestScoreFromSet(Index, Score(now), double.MaxValue, MaxListed);

    private static ApprovalGrant? Read(IStorageConnection connection, string key) =>
        connection.GetAllEntriesFromHash(key) is { } entries && entries.TryGetValue(Field, out var json)
            ? JsonSerializer.Deserialize(json, ApprovalStorageJsonContext.Default.ApprovalGrant)
            : null;

    private IDisposable Lock(IStorageConnection connection, string key) =>
        connection.AcquireDistributedLock($"{key}:lock", options.Value.LockTimeout);

    private static double Score(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static string Key(string agent, string upstream, string tool) =>
        $"approvals:grant:{Uri.EscapeDataString(agent)}:{Uri.EscapeDataString(upstream)}:{Uri.EscapeDataString(tool)}";
}
