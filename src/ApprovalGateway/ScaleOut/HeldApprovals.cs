using System.Globalization;
using Hangfire;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Which instance holds which call, in the shared Hangfire storage, with one heartbeat per instance: what the
/// survivors read when an instance dies with calls still waiting on it.
/// </summary>
internal sealed class HeldApprovals(JobStorage storage, TimeProvider time, ILogger<HeldApprovals> logger)
{
    public const string HeldSet = "scaleout:held";
    public const string HeartbeatHash = "scaleout:heartbeats";
    private const char Separator = '/';

    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Records the hold together with a heartbeat, so an instance is never seen holding calls but never alive.</summary>
    public void Hold(string approvalId)
    {
        try
        {
            using var connection = storage.GetConnection();
            using var transaction = connection.CreateWriteTransaction();
            transaction.AddToSet(HeldSet, Entry(Instance, approvalId));
            transaction.SetRangeInHash(HeartbeatHash, [new(Instance, Now())]);
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The call still waits; only the clean-up after a crash of this instance is lost for it.
            Log.HoldNotRecorded(logger, ex, approvalId);
        }
    }

    public void Release(string approvalId) => Remove(Entry(Instance, approvalId));

    public void Beat()
    {
        using var connection = storage.GetConnection();
        connection.SetRangeInHash(HeartbeatHash, [new(Instance, Now())]);
    }

    /// <summary>Every held call of every instance, with when its instance last beat (null: never).</summary>
    public IReadOnlyList<(string Entry, string Instance, string ApprovalId, DateTimeOffset? LastBeat)> ReadAll()
    {
        using var connection = storage.GetConnection();
        var beats = connection.GetAllEntriesFromHash(HeartbeatHash) ?? new Dictionary<string, string>();
        return [.. connection.GetAllItemsFromSet(HeldSet)
            .Select(entry => (Entry: entry, Split: entry.IndexOf(Separator, StringComparison.Ordinal)))
            .Where(e => e.Split > 0)
            .Select(e =>
            {
                var instance = e.Entry[..e.Split];
                DateTimeOffset? lastBeat = beats.TryGetValue(instance, out var beat) && long.TryParse(beat, CultureInfo.InvariantCulture, out var ms)
                    ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                    : null;
                return (e.Entry, instance, e.Entry[(e.Split + 1)..], lastBeat);
            })];
    }

    public void Remove(string entry)
    {
        try
        {
            using var connection = storage.GetConnection();
            using var transaction = connection.CreateWriteTransaction();
            transaction.RemoveFromSet(HeldSet, entry);
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // A stale entry is swept once its approval is no longer pending.
            Log.HoldNotRemoved(logger, ex, entry);
        }
    }

    private static string Entry(string instance, string approvalId) => $"{instance}{Separator}{approvalId}";

    private string Now() => time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
