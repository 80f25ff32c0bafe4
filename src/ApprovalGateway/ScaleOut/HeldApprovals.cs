using System.Globalization;
using Hangfire;
using Hangfire.Storage;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Which instance holds which call, in the shared Hangfire storage, with one heartbeat per instance: what the
/// survivors read when an instance dies with calls still waiting on it.
/// </summary>
internal sealed class HeldApprovals(JobStorage storage, TimeProvider time, ILogger<HeldApprovals> logger)
{
    private const string HeldSet = "scaleout:held";
    private const string BeatField = "at";
    private const char Separator = '/';

    // Every process start is a new instance; the heartbeats of instances long gone expire instead of piling up.
    private static readonly TimeSpan HeartbeatRetention = TimeSpan.FromDays(1);

    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Records the hold together with a heartbeat, so an instance is never seen holding calls but never alive. Throws
    /// when it cannot: the call is then refused, as one whose approval cannot be stored is.
    /// </summary>
    public void Hold(string approvalId)
    {
        try
        {
            using var connection = storage.GetConnection();
            using var transaction = connection.CreateWriteTransaction();
            transaction.AddToSet(HeldSet, Entry(Instance, approvalId));
            WriteBeat((JobStorageTransaction)transaction);
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // Waiting without a hold would leave approvers an approval nobody withdraws or records should this
            // instance die: pending, or approved, forever, for a call nobody can send.
            Log.HoldNotRecorded(logger, ex, approvalId);
            throw;
        }
    }

    public void Release(string approvalId) => Remove(Entry(Instance, approvalId));

    public void Beat()
    {
        using var connection = storage.GetConnection();
        using var transaction = (JobStorageTransaction)connection.CreateWriteTransaction();
        WriteBeat(transaction);
        transaction.Commit();
    }

    /// <summary>Every held call of every instance, with when its instance last beat (null: never).</summary>
    public IReadOnlyList<(string Entry, string Instance, string ApprovalId, DateTimeOffset? LastBeat)> ReadAll()
    {
        using var connection = storage.GetConnection();
        Dictionary<string, DateTimeOffset?> beats = new(StringComparer.Ordinal);
        return [.. connection.GetAllItemsFromSet(HeldSet)
            .Select(entry => (Entry: entry, Split: entry.IndexOf(Separator, StringComparison.Ordinal)))
            .Where(e => e.Split > 0)
            .Select(e =>
            {
                var instance = e.Entry[..e.Split];
                if (!beats.TryGetValue(instance, out var lastBeat))
                {
                    lastBeat = beats[instance] = ReadBeat(connection, instance);
                }

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

    private static DateTimeOffset? ReadBeat(IStorageConnection connection, string instance) =>
        connection.GetAllEntriesFromHash(HeartbeatKey(instance)) is { } beat
        && beat.TryGetValue(BeatField, out var at)
        && long.TryParse(at, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    private void WriteBeat(JobStorageTransaction transaction)
    {
        var key = HeartbeatKey(Instance);
        transaction.SetRangeInHash(key, [new(BeatField, time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))]);
        transaction.ExpireHash(key, HeartbeatRetention);
    }

    private static string HeartbeatKey(string instance) => $"scaleout:heartbeat:{instance}";

    private static string Entry(string instance, string approvalId) => $"{instance}{Separator}{approvalId}";
}
