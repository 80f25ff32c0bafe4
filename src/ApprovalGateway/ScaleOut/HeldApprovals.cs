using System.Globalization;
using Hangfire;
using ApprovalGateway.Audit;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Which instance holds which call, in the shared Hangfire storage, with one heartbeat per instance: what the
/// survivors read when an instance dies with calls still waiting on it.
/// </summary>
internal sealed class HeldApprovals(JobStorage storage, TimeProvider time, IOptions<AuditOptions> audit, ILogger<HeldApprovals> logger)
{
    private const string HeldSet = "scaleout:held";
    private const string BeatField = "at";

    // Beside the beat rather than in the held-call entries, whose instance/approval format older instances still read.
    private const string NameField = "name";
    private const char Separator = '/';

    // Every process start is a new instance; the heartbeats of instances long gone expire instead of piling up.
    private static readonly TimeSpan HeartbeatRetention = TimeSpan.FromDays(1);

    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>
    /// How this instance names itself to people (<see cref="AuditOptions.InstanceName"/>, also in its audit records),
    /// so the survivors' messages about it lead to a host and a log; <see cref="Instance"/> is new on every start.
    /// </summary>
    public string Name { get; } = audit.Value.InstanceName;

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

    /// <summary>
    /// Every held call of every instance, with when its instance last beat (null: never) and what it calls itself
    /// (null: never beat, or a version from before instances stored their names).
    /// </summary>
    public IReadOnlyList<(string Entry, string Instance, string ApprovalId, InstanceBeat Beat)> ReadAll()
    {
        using var connection = storage.GetConnection();
        Dictionary<string, InstanceBeat> beats = new(StringComparer.Ordinal);
        return [.. connection.GetAllItemsFromSet(HeldSet)
            .Select(entry => (Entry: entry, Split: entry.IndexOf(Separator, StringComparison.Ordinal)))
            .Where(e => e.Split > 0)
            .Select(e =>
            {
                var instance = e.Entry[..e.Split];
                if (!beats.TryGetValue(instance, out var beat))
                {
                    beat = beats[instance] = ReadBeat(connection, instance);
                }

                return (e.Entry, instance, e.Entry[(e.Split + 1)..], beat);
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

    private static InstanceBeat ReadBeat(IStorageConnection connection, string instance)
    {
        var beat = connection.GetAllEntriesFromHash(HeartbeatKey(instance));
        DateTimeOffset? at = beat is not null
            && beat.TryGetValue(BeatField, out var text)
            && long.TryParse(text, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null;
        return new(at, beat is not null && beat.TryGetValue(NameField, out var name) && !string.IsNullOrEmpty(name) ? name : null);
    }

    private void WriteBeat(JobStorageTransaction transaction)
    {
        var key = HeartbeatKey(Instance);
        transaction.SetRangeInHash(key, [
            new(BeatField, time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)),
            new(NameField, Name)]);
        transaction.ExpireHash(key, HeartbeatRetention);
    }

    private static string HeartbeatKey(string instance) => $"scaleout:heartbeat:{instance}";

    private static string Entry(string instance, string approvalId) => $"{instance}{Separator}{approvalId}";
}
