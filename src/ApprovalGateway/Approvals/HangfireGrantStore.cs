using System.Text.Json;
using Hangfire;
using Hangfire.Storage;

namespace ApprovalGateway.Approvals;

/// <summary>One Hangfire hash per agent, upstream and tool, expiring with the grant.</summary>
internal sealed class HangfireGrantStore(JobStorage storage, TimeProvider time) : IGrantStore
{
    private const string Field = "grant";

    public void Add(ApprovalGrant grant)
    {
        var key = Key(grant.Agent, grant.Upstream, grant.Tool);
        var json = JsonSerializer.Serialize(grant, ApprovalStorageJsonContext.Default.ApprovalGrant);
        var lifetime = grant.Until - time.GetUtcNow();
        using var connection = storage.GetConnection();
        using var transaction = connection.CreateWriteTransaction();
        transaction.SetRangeInHash(key, [new KeyValuePair<string, string>(Field, json)]);
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
        var entries = connection.GetAllEntriesFromHash(Key(agent, upstream, tool));
        if (entries is null || !entries.TryGetValue(Field, out var json))
        {
            return null;
        }

        var grant = JsonSerializer.Deserialize(json, ApprovalStorageJsonContext.Default.ApprovalGrant);
        return grant is not null && now < grant.Until ? grant : null;
    }

    private static string Key(string agent, string upstream, string tool) =>
        $"approvals:grant:{Uri.EscapeDataString(agent)}:{Uri.EscapeDataString(upstream)}:{Uri.EscapeDataString(tool)}";
}
